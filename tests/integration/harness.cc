#include "harness.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/encoding.h"
#include "core/random.h"

namespace tessera::itest {

namespace fs = std::filesystem;

std::string tessera_binary() {
  if (const char* p = std::getenv("TESSERA_BIN")) return p;
  return TESSERA_BIN_PATH;
}

std::string shared_data_dir() {
  for (const char* c : {TESSERA_SOURCE_DIR "/../shared/data/synthea", "../shared/data/synthea"}) {
    if (fs::exists(c)) return fs::canonical(c).string();
  }
  return "";
}

namespace {
std::string temp_file(const std::string& stem) {
  auto dir = fs::temp_directory_path() / "tessera-itest";
  fs::create_directories(dir);
  return (dir / (stem + "-" + core::default_random().token(8))).string();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<char*> argv_of(std::vector<std::string>& args) {
  std::vector<char*> v;
  for (auto& a : args) v.push_back(a.data());
  v.push_back(nullptr);
  return v;
}
}  // namespace

CommandResult run_tessera(const std::vector<std::string>& args, const std::string& stdin_data) {
  std::string out_path = temp_file("out"), err_path = temp_file("err"), in_path = temp_file("in");
  {
    std::ofstream in(in_path);
    in << stdin_data;
  }
  std::vector<std::string> full = {tessera_binary()};
  full.insert(full.end(), args.begin(), args.end());
  pid_t pid = fork();
  if (pid == 0) {
    int in = open(in_path.c_str(), O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    auto argv = argv_of(full);
    execv(argv[0], argv.data());
    _exit(127);
  }
  CommandResult r;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int status = 0;
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      r.err = "timed out";
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  fs::remove(out_path);
  fs::remove(err_path);
  fs::remove(in_path);
  return r;
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

Server::Server(const std::string& database, const std::vector<std::string>& extra_args,
               const std::vector<std::string>& global_args) {
  std::vector<std::string> full = {tessera_binary(), "--database", database};
  full.insert(full.end(), global_args.begin(), global_args.end());
  full.push_back("serve");
  bool has_listen = false;
  for (const auto& a : extra_args) has_listen |= a == "--listen";
  if (!has_listen) {
    full.push_back("--listen");
    full.push_back("127.0.0.1:0");
  }
  full.insert(full.end(), extra_args.begin(), extra_args.end());
  start(std::move(full));
}

Server::Server(std::vector<std::string> argv) { start(std::move(argv)); }

void Server::start(std::vector<std::string> full) {
  log_path_ = temp_file("server-log");
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    auto argv = argv_of(full);
    execv(argv[0], argv.data());
    _exit(127);
  }
  std::regex port_re("port=([0-9]+)");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    std::string log = slurp(log_path_);
    if (std::regex_search(log, m, port_re)) {
      port_ = std::stoi(m[1]);
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("server command exited early:\n" + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("server command did not report its port:\n" + slurp(log_path_));
}

int Server::stop() {
  if (pid_ <= 0) return 0;
  kill(pid_, SIGTERM);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (waitpid(pid_, &status, WNOHANG) != pid_) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Server::~Server() {
  stop();
  std::error_code ec;
  fs::remove(log_path_, ec);
}

std::string Server::log() const { return slurp(log_path_); }

std::string Reply::header(std::string_view name) const {
  auto it = raw.find(name);
  return it == raw.end() ? std::string() : std::string(it->value());
}

nlohmann::json Reply::json() const { return nlohmann::json::parse(body, nullptr, false); }

Reply Browser::request(http::Verb verb, const std::string& url, const std::string& body,
                       const std::map<std::string, std::string>& headers) {
  auto u = http::parse_url(url);
  if (!u) throw std::runtime_error("bad url " + url);
  auto req = http::make_request(verb, u->target, body);
  std::string cookie;
  for (const auto& [k, v] : cookies) cookie += (cookie.empty() ? "" : "; ") + k + "=" + v;
  if (!cookie.empty()) req.set(http::Field::cookie, cookie);
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!client_) client_ = std::make_shared<http::Client>();
  auto res = client_->send(*u, std::move(req));
  if (!res) throw std::runtime_error("request failed: " + url + ": " + res.error().detail);
  Reply r;
  r.raw = res.value();
  r.status = static_cast<int>(r.raw.result_int());
  r.body = r.raw.body();
  for (auto it = r.raw.find(http::Field::set_cookie);
       it != r.raw.end() && it->name() == http::Field::set_cookie; ++it) {
    std::string sc(it->value());
    auto eq = sc.find('='), semi = sc.find(';');
    if (eq != std::string::npos)
      cookies[sc.substr(0, eq)] =
          sc.substr(eq + 1, semi == std::string::npos ? std::string::npos : semi - eq - 1);
  }
  return r;
}

Reply Browser::get(const std::string& url, const std::map<std::string, std::string>& headers) {
  return request(http::Verb::get, url, "", headers);
}

Reply Browser::post_form(const std::string& url,
                         const std::vector<std::pair<std::string, std::string>>& form,
                         const std::map<std::string, std::string>& headers) {
  http::Params p;
  for (const auto& [k, v] : form) p.add(k, v);
  auto h = headers;
  if (!h.count("Content-Type")) h["Content-Type"] = "application/x-www-form-urlencoded";
  return request(http::Verb::post, url, p.encode(), h);
}

namespace {
std::string unescape_html(std::string s) {
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"&quot;", "\""}, {"&#39;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}}) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
      s.replace(pos, from.size(), to);
  }
  return s;
}
// Attribute value of name="..." inside one tag.
std::optional<std::string> attr(const std::string& tag, const std::string& name) {
  std::regex re("\\s" + name + "=\"([^\"]*)\"");
  std::smatch m;
  if (std::regex_search(tag, m, re)) return unescape_html(m[1]);
  return std::nullopt;
}
std::vector<std::string> tags(const std::string& html, const std::string& tag) {
  std::vector<std::string> out;
  std::regex re("<" + tag + "\\b[^>]*>");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator();
       ++it)
    out.push_back(it->str());
  return out;
}
}  // namespace

std::optional<std::string> hidden_input(const std::string& html, const std::string& name) {
  for (const auto& t : tags(html, "input")) {
    if (attr(t, "name") == name && attr(t, "type") == std::optional<std::string>("hidden"))
      return attr(t, "value");
  }
  return std::nullopt;
}

std::vector<std::string> input_values(const std::string& html, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& t : tags(html, "input"))
    if (attr(t, "name") == name) {
      if (auto v = attr(t, "value")) out.push_back(*v);
    }
  return out;
}

std::string form_action(const std::string& html) {
  for (const auto& t : tags(html, "form"))
    if (auto a = attr(t, "action")) return *a;
  return "";
}

std::optional<std::string> query_param(const std::string& url, const std::string& name) {
  auto q = url.find('?');
  if (q == std::string::npos) return std::nullopt;
  auto p = http::Params::parse(url.substr(q + 1));
  if (!p) return std::nullopt;
  return p->get(name);
}

Pkce make_pkce() { return pkce_for(core::default_random().token(48)); }  // 64 characters

Pkce pkce_for(const std::string& verifier) {
  return Pkce{verifier, core::base64url_encode(core::sha256(verifier))};
}

Reply raw_exchange(int port, const std::string& request) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  timeval timeout{10, 0};  // a silent server fails the test instead of hanging it
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  asio::write(socket, asio::buffer(request));
  boost::beast::flat_buffer buffer;
  Reply r;
  http::bhttp::read(socket, buffer, r.raw);
  r.status = static_cast<int>(r.raw.result_int());
  r.body = r.raw.body();
  boost::system::error_code ec;
  socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  return r;
}

std::string basic_auth(const std::string& id, const std::string& secret) {
  return "Basic " + core::base64_encode(core::url_encode(id) + ":" + core::url_encode(secret));
}

}  // namespace tessera::itest
