// A store's background thread (WAL checkpointer, group-commit writer, audit queue) takes no
// signals: `serve` blocks SIGINT/SIGTERM in every thread and sigwait()s for them in one, and a
// thread that left them unblocked would receive, and drop or die of, the shutdown signal.
#pragma once

#include <pthread.h>

#include <csignal>
#include <thread>
#include <utility>

namespace tessera::store {

template <class F>
std::thread start_background_thread(F&& fn) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);  // the new thread inherits this mask
  std::thread t(std::forward<F>(fn));
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return t;
}

}  // namespace tessera::store
