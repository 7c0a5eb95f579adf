#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "transport/http_exchange.hpp"

namespace cua::test {

/// Stands in for an HTTP connection: keeps what an actor answers on it.
class recorded_exchange final : public http_exchange {
public:
  explicit recorded_exchange(uint64_t id) : id_(id) {}

  uint64_t id() const override { return id_; }
  void respond(int status, const std::string& type, std::string body, http_headers headers) override {
    this->status = status;
    content_type = type;
    this->body = std::move(body);
    this->headers = std::move(headers);
    ended = true;
  }
  void open_stream(http_headers) override { streaming = true; }
  void send_event(const std::string& message) override {
    events.push_back(nlohmann::json::parse(message));
  }
  void send_comment(const std::string&) override { ++comments; }
  void finish() override { ended = true; }

  /// Returns the value of response header `name`, or "".
  std::string header(const std::string& name) const {
    for (const auto& [key, value] : headers)
      if (key == name)
        return value;
    return "";
  }

  int status = 0;
  std::string content_type;
  std::string body;
  http_headers headers;
  bool streaming = false;
  std::vector<nlohmann::json> events;
  int comments = 0;
  bool ended = false;

private:
  uint64_t id_;
};

} // namespace cua::test
