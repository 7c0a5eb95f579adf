#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cua::test {

/// A loopback HTTP/1.1 server for tests: answers POSTs from a script of canned replies, one per
/// request, and records every request it got. A reply can also hang (until the test ends) or drop
/// the connection without answering.
class fake_http_server {
public:
  struct reply {
    int status = 200;
    std::string body;
    std::vector<std::string> headers; // "Name: value"
    enum class behaviour { answer, hang, drop } how = behaviour::answer;
  };
  struct request {
    std::string method;
    std::string path;
    std::map<std::string, std::string> headers; // lower-case names
    std::string body;
  };

  fake_http_server();
  ~fake_http_server();

  /// Returns the base URL, e.g. "http://127.0.0.1:41234".
  std::string url() const;

  void script(reply r);
  std::vector<request> requests() const;

  /// Returns how many connections the client closed while a reply was hanging.
  int abandoned() const;

private:
  void serve();
  void handle(int fd);

  int listener_ = -1;
  int port_ = 0;
  bool stopping_ = false;
  mutable std::mutex mutex_;
  std::condition_variable stop_cv_;
  std::deque<reply> script_;
  std::vector<request> requests_;
  int abandoned_ = 0;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

} // namespace cua::test
