#pragma once

#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/server_process.hpp"
#include "tests/support/http_test_client.hpp"

// The built server on its Streamable HTTP transport, for the e2e tests that speak raw HTTP to it.

namespace cua::test {

using nlohmann::json;

inline json rpc(const json& id, const std::string& method, json params = json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
}

inline json initialize_request() {
  return rpc(0, "initialize",
             {{"protocolVersion", "2025-11-25"},
              {"capabilities", json::object()},
              {"clientInfo", {{"name", "e2e"}, {"version", "1"}}}});
}

/// The server on HTTP at a port of the kernel's choosing.
class http_server {
public:
  explicit http_server(std::vector<std::string> extra = {}, std::vector<std::string> env = {})
    : process_(args(std::move(extra)), std::move(env)) {
    std::regex ready{R"(ready on http://127\.0\.0\.1:(\d+)/mcp)"};
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      std::smatch m;
      auto text = process_.stderr_text();
      if (std::regex_search(text, m, ready))
        port_ = std::stoi(m[1]);
      else
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    EXPECT_NE(port_, 0) << process_.stderr_text();
  }

  int port() const { return port_; }
  server_process& process() { return process_; }

  /// Initializes a new client; returns its Mcp-Session-Id.
  std::string new_client() {
    connection c(port_);
    auto a = c.send(http::verb::post, initialize_request().dump());
    EXPECT_EQ(a.status, 200) << a.body;
    auto id = a.headers["mcp-session-id"];
    EXPECT_FALSE(id.empty());
    auto done = c.send(http::verb::post, R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
                       {{"Mcp-Session-Id", id}});
    EXPECT_EQ(done.status, 202);
    return id;
  }

  /// Calls a tool as client `id`; returns the whole HTTP answer.
  answer call(const std::string& id, const std::string& tool, json arguments = json::object(),
              int request = 1) {
    connection c(port_);
    return c.send(http::verb::post, rpc(request, "tools/call", {{"name", tool}, {"arguments", arguments}}).dump(),
                  {{"Mcp-Session-Id", id}});
  }

  json stats(const std::string& id) {
    auto a = call(id, "get_session_stats");
    EXPECT_EQ(a.status, 200) << a.body;
    return json::parse(a.body)["result"]["structuredContent"];
  }

private:
  static std::vector<std::string> args(std::vector<std::string> extra) {
    std::vector<std::string> all{"--transport", "http", "--listen", "127.0.0.1:0", "--backend", "sim"};
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  }

  server_process process_;
  int port_ = 0;
};

} // namespace cua::test
