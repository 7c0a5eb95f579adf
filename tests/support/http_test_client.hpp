#pragma once

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

// A blocking HTTP/1.1 client for tests of the Streamable HTTP transport (Beast), one connection
// per object, every read bounded.

namespace cua::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct answer {
  int status = 0;
  std::map<std::string, std::string> headers; // lower-case names
  std::string body;

  nlohmann::json error() const { return nlohmann::json::parse(body, nullptr, false); }
};

/// One HTTP connection to the server, with a bound on every read.
class connection {
public:
  explicit connection(int port) {
    net::ip::tcp::endpoint at(net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
    stream_.connect(at);
  }

  answer send(http::verb method, const std::string& body = {},
              std::map<std::string, std::string> headers = {}, const std::string& target = "/mcp") {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(stream_.socket().remote_endpoint().port()));
    if (method == http::verb::post) {
      req.set(http::field::content_type, "application/json");
      req.set(http::field::accept, "application/json, text/event-stream");
    }
    for (const auto& [name, value] : headers)
      req.set(name, value);
    req.body() = body;
    req.prepare_payload();
    stream_.expires_after(std::chrono::seconds(20));
    http::write(stream_, req);
    return read();
  }

  // Reads one response; an SSE stream's head only, when `head_only`.
  answer read(bool head_only = false) {
    answer a;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    stream_.expires_after(std::chrono::seconds(20));
    if (head_only)
      http::read_header(stream_, buffer_, parser);
    else
      http::read(stream_, buffer_, parser);
    const auto& res = parser.get();
    a.status = res.result_int();
    for (const auto& field : res) {
      auto name = std::string{field.name_string()};
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      a.headers[name] = std::string{field.value()};
    }
    if (!head_only)
      a.body = res.body();
    return a;
  }

  beast::tcp_stream& stream() { return stream_; }

private:
  net::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
};


} // namespace cua::test
