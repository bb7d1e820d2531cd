// The one stylesheet of the server-rendered pages (served at /static/tessera.css). Kept small and
// dependency-free: system fonts, no images, no url() (so a strict CSP img-src/font-src is fine).
#include "web/pages.h"

namespace tessera::web {

std::string stylesheet() {
  return R"css(/* Tessera: server-rendered pages */
:root {
  color-scheme: light dark;
  --bg: #f3f5f8;
  --surface: #ffffff;
  --text: #18212d;
  --muted: #5a6677;
  --border: #d6dce4;
  --border-strong: #aeb8c5;
  --accent: #0b6b73;
  --accent-hover: #08565c;
  --accent-soft: #e7f3f4;
  --on-accent: #ffffff;
  --focus: #1b5fd1;
  --code-bg: #eef1f5;
  --alert-bg: #fdf0f0;
  --alert-border: #e3a5a5;
  --alert-text: #8c1d1d;
  --tile-1: #0b6b73;
  --tile-2: #e0a43a;
  --tile-3: #2f8f9d;
  --tile-4: #c8553d;
  --radius: 10px;
  --shadow: 0 1px 2px rgba(16, 24, 40, 0.05), 0 6px 20px rgba(16, 24, 40, 0.06);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f141b;
    --surface: #18202a;
    --text: #e6ebf1;
    --muted: #a1acba;
    --border: #2c3744;
    --border-strong: #4a5a6c;
    --accent: #3fb6be;
    --accent-hover: #66c8ce;
    --accent-soft: #15333a;
    --on-accent: #071417;
    --focus: #8ab4ff;
    --code-bg: #222c38;
    --alert-bg: #3a1d1f;
    --alert-border: #7d3a3d;
    --alert-text: #ffc9c9;
    --tile-1: #3fb6be;
    --shadow: none;
  }
}

*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0;
  min-height: 100vh;
  background: var(--bg);
  color: var(--text);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans",
    sans-serif;
  font-size: 1rem;
  line-height: 1.5;
}

/* Layout */
.wrap { width: 100%; max-width: 34rem; margin: 0 auto; padding: 0 0.75rem; }
.wrap-wide { max-width: 42rem; }
main.wrap { padding-top: 2rem; padding-bottom: 3rem; }
.site-header { background: var(--surface); border-bottom: 1px solid var(--border); }
.site-header .wrap { display: flex; align-items: center; min-height: 3.5rem; }
.wordmark {
  display: inline-flex;
  align-items: center;
  gap: 0.55rem;
  font-size: 1.2rem;
  font-weight: 700;
  letter-spacing: 0.01em;
}
.mark { width: 1.45rem; height: 1.45rem; flex: none; }
.tile-1 { fill: var(--tile-1); }
.tile-2 { fill: var(--tile-2); }
.tile-3 { fill: var(--tile-3); }
.tile-4 { fill: var(--tile-4); }
.card {
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: var(--radius);
  box-shadow: var(--shadow);
  padding: 1.5rem 1.1rem;
}
.card > :last-child { margin-bottom: 0; }
@media (min-width: 36em) {
  .wrap { padding: 0 1rem; }
  main.wrap { padding-top: 3rem; }
  .card { padding: 2rem; }
  h1 { font-size: 1.5rem; }
}

/* Text */
h1 { font-size: 1.375rem; line-height: 1.3; margin: 0 0 0.5rem; font-weight: 700; }
h2 { font-size: 1.05rem; line-height: 1.4; margin: 1.5rem 0 0.35rem; }
p { margin: 0 0 1rem; }
.lead { font-size: 1.05rem; color: var(--text); }
.meta, .signed-in, .hint, .fine-print { color: var(--muted); font-size: 0.9rem; }
.signed-in { margin-bottom: 1.25rem; }
.hint { margin: 0.35rem 0 0; }
.fine-print { margin: 1.25rem 0 0; }
.eyebrow {
  margin: 0 0 0.35rem;
  color: var(--muted);
  font-size: 0.8rem;
  font-weight: 600;
  letter-spacing: 0.06em;
  text-transform: uppercase;
}
.optional { color: var(--muted); font-weight: 400; }
.empty {
  padding: 1rem;
  border: 1px dashed var(--border-strong);
  border-radius: 8px;
  color: var(--muted);
  margin: 0;
}
code {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.82em;
  background: var(--code-bg);
  border-radius: 4px;
  padding: 0.1em 0.35em;
  overflow-wrap: anywhere;
}
.visually-hidden {
  position: absolute !important;
  width: 1px;
  height: 1px;
  margin: -1px;
  padding: 0;
  overflow: hidden;
  clip: rect(0 0 0 0);
  white-space: nowrap;
  border: 0;
}

/* Alerts */
.alert {
  margin: 0 0 1.25rem;
  padding: 0.75rem 1rem;
  border: 1px solid var(--alert-border);
  border-left-width: 4px;
  border-radius: 8px;
  background: var(--alert-bg);
  color: var(--alert-text);
}

/* Forms */
form { margin: 0; }
fieldset { margin: 0; padding: 0; border: 0; min-width: 0; }
.field { margin: 0 0 1.1rem; }
.field > label { display: block; margin-bottom: 0.35rem; font-weight: 600; }
input[type="text"], input[type="password"], select {
  display: block;
  width: 100%;
  min-height: 2.75rem;
  padding: 0.55rem 0.75rem;
  border: 1px solid var(--border-strong);
  border-radius: 8px;
  background: var(--surface);
  color: var(--text);
  font: inherit;
}
input[type="text"]:hover, input[type="password"]:hover, select:hover { border-color: var(--muted); }
input[type="checkbox"], input[type="radio"] {
  width: 1.15rem;
  height: 1.15rem;
  margin: 0;
  accent-color: var(--accent);
}

/* Focus: always visible, same ring everywhere */
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
input:focus-visible, select:focus-visible { border-color: var(--focus); }
a { color: var(--accent); }

/* Radio cards (patient picker): the whole row is the label */
.choices { margin-bottom: 1.25rem; }
.choice { position: relative; margin-bottom: 0.6rem; }
.choice input { position: absolute; left: 1rem; top: 1.1rem; }
.choice label {
  display: block;
  padding: 0.8rem 1rem 0.8rem 2.85rem;
  border: 1px solid var(--border);
  border-radius: 8px;
  cursor: pointer;
}
.choice label:hover { border-color: var(--border-strong); }
.choice input:checked + label { border-color: var(--accent); background: var(--accent-soft); }
.choice-title { display: block; font-weight: 600; }
.choice-meta { display: block; color: var(--muted); font-size: 0.9rem; }
.relationship { color: var(--text); }

/* Consent scopes */
.scope-group {
  margin: 0 0 1rem;
  border: 1px solid var(--border);
  border-radius: 8px;
  overflow: hidden;
}
.scope-group legend {
  float: left;
  width: 100%;
  padding: 0.5rem 1rem;
  background: var(--code-bg);
  border-bottom: 1px solid var(--border);
  color: var(--muted);
  font-size: 0.78rem;
  font-weight: 700;
  letter-spacing: 0.06em;
  text-transform: uppercase;
}
.scope-group legend + * { clear: both; }
.scope { position: relative; border-top: 1px solid var(--border); }
.scope-group legend + .scope { border-top: 0; }
.scope input[type="checkbox"] { position: absolute; left: 1rem; top: 0.95rem; }
.scope label { display: block; padding: 0.75rem 1rem 0.75rem 2.85rem; cursor: pointer; }
.scope input:disabled + input + label, .scope input:disabled + label { cursor: default; }
.scope-desc { display: block; font-weight: 500; }
.scope-meta { display: flex; flex-wrap: wrap; align-items: center; gap: 0.4rem; margin-top: 0.3rem; }
.scope-meta code { color: var(--muted); }
.badge {
  display: inline-block;
  padding: 0 0.45rem;
  border: 1px solid var(--border-strong);
  border-radius: 999px;
  color: var(--muted);
  font-size: 0.72rem;
  font-weight: 600;
  line-height: 1.5;
  vertical-align: 0.1em;
}

/* Single checkbox row (launcher) */
.check { display: flex; align-items: flex-start; gap: 0.6rem; margin: 0 0 1.1rem; }
.check input { margin-top: 0.2rem; flex: none; }

/* Buttons */
.actions { display: flex; flex-wrap: wrap; gap: 0.75rem; margin-top: 1.5rem; }
.btn {
  flex: 1 1 8rem;
  min-height: 2.75rem;
  padding: 0.6rem 1.25rem;
  border: 1px solid transparent;
  border-radius: 8px;
  font: inherit;
  font-weight: 600;
  cursor: pointer;
}
.btn-primary { background: var(--accent); border-color: var(--accent); color: var(--on-accent); }
.btn-primary:hover { background: var(--accent-hover); border-color: var(--accent-hover); }
.btn-secondary { background: var(--surface); border-color: var(--border-strong); color: var(--text); }
.btn-secondary:hover { background: var(--code-bg); }

@media (forced-colors: active) {
  .btn, .choice label, .scope-group, .alert { border: 1px solid CanvasText; }
  .choice input:checked + label { outline: 2px solid Highlight; }
}
)css";
}

}  // namespace tessera::web
