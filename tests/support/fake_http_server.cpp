#include "tests/support/fake_http_server.hpp"

#include <algorithm>
#include <cctype>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cua::test {

fake_http_server::fake_http_server() {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(listener_, 16);
  socklen_t len = sizeof(addr);
  getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { serve(); });
}

fake_http_server::~fake_http_server() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  shutdown(listener_, SHUT_RDWR);
  close(listener_);
  acceptor_.join();
  for (auto& w : workers_)
    w.join();
}

std::string fake_http_server::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void fake_http_server::script(reply r) {
  std::lock_guard<std::mutex> guard(mutex_);
  script_.push_back(std::move(r));
}

std::vector<fake_http_server::request> fake_http_server::requests() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return requests_;
}

int fake_http_server::abandoned() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return abandoned_;
}

void fake_http_server::serve() {
  for (;;) {
    pollfd fd{listener_, POLLIN, 0};
    if (poll(&fd, 1, 100) < 0)
      return;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      if (stopping_)
        return;
    }
    if ((fd.revents & POLLIN) == 0)
      continue;
    int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0)
      continue;
    std::lock_guard<std::mutex> guard(mutex_);
    workers_.emplace_back([this, client] { handle(client); });
  }
}

void fake_http_server::handle(int fd) {
  // Keep-alive: serve requests on this connection until the client closes it.
  std::string data;
  char chunk[65536];
  for (;;) {
    auto header_end = data.find("\r\n\r\n");
    while (header_end == std::string::npos) {
      auto n = read(fd, chunk, sizeof(chunk));
      if (n <= 0) {
        close(fd);
        return;
      }
      data.append(chunk, static_cast<size_t>(n));
      header_end = data.find("\r\n\r\n");
    }
    request req;
    auto head = data.substr(0, header_end);
    auto first_line_end = head.find("\r\n");
    auto first = head.substr(0, first_line_end);
    req.method = first.substr(0, first.find(' '));
    auto path_start = first.find(' ') + 1;
    req.path = first.substr(path_start, first.find(' ', path_start) - path_start);
    size_t pos = first_line_end + 2;
    while (pos < head.size()) {
      auto end = head.find("\r\n", pos);
      if (end == std::string::npos)
        end = head.size();
      auto line = head.substr(pos, end - pos);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        auto name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        auto value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        req.headers[name] = value;
      }
      pos = end + 2;
    }
    size_t length = req.headers.count("content-length") ? std::stoul(req.headers["content-length"]) : 0;
    data.erase(0, header_end + 4);
    while (data.size() < length) {
      auto n = read(fd, chunk, sizeof(chunk));
      if (n <= 0) {
        close(fd);
        return;
      }
      data.append(chunk, static_cast<size_t>(n));
    }
    req.body = data.substr(0, length);
    data.erase(0, length);
    reply r;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      requests_.push_back(req);
      if (!script_.empty()) {
        r = std::move(script_.front());
        script_.pop_front();
      } else {
        r.status = 500;
        r.body = R"({"error":{"message":"the fake server's script is used up"}})";
      }
    }
    if (r.how == reply::behaviour::drop) {
      close(fd);
      return;
    }
    if (r.how == reply::behaviour::hang) {
      // Wait until the client gives up (closes) or the test ends.
      for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 50) > 0 && read(fd, chunk, sizeof(chunk)) <= 0) {
          std::lock_guard<std::mutex> guard(mutex_);
          ++abandoned_;
          break;
        }
        std::lock_guard<std::mutex> guard(mutex_);
        if (stopping_)
          break;
      }
      close(fd);
      return;
    }
    std::string response = "HTTP/1.1 " + std::to_string(r.status) + " X\r\nContent-Type: application/json\r\n";
    for (const auto& h : r.headers)
      response += h + "\r\n";
    response += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
    const char* p = response.data();
    size_t left = response.size();
    while (left > 0) {
      auto n = write(fd, p, left);
      if (n <= 0)
        break;
      p += n;
      left -= static_cast<size_t>(n);
    }
  }
}

} // namespace cua::test
