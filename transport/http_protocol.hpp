#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cua {

/// What the HTTP transport must know of the protocol it carries, told to it from above (mcp/):
/// the transport knows HTTP and JSON, not the messages inside. It asks what a POST's body needs
/// (answers to wait for, whether it starts a session), which version headers are spoken, and how
/// a refusal's body reads.
class http_protocol {
public:
  virtual ~http_protocol() = default;

  /// What the body of a POST asks of the transport.
  struct post_reading {
    std::vector<std::string> request_keys;    // what needs an answer (ids as JSON text)
    std::vector<std::string> progress_tokens; // as JSON text, of the requests that want progress
    bool opens_session = false; // starts a new client (its own session)
    bool stateless = false;     // served without a session, by an actor of its own
    bool batch = false;         // several messages at once
    std::string refusal;        // non-empty: refused with 400, saying this
  };

  /// Reads a POST's body (valid JSON).
  virtual post_reading read_post(const nlohmann::json& body) const = 0;

  /// Whether the server speaks protocol version `version` (a version header's value).
  virtual bool speaks(const std::string& version) const = 0;

  /// Whether `version` (a version header's value, trimmed) is the stateless revision, which has
  /// no session, no GET stream and nothing to DELETE.
  virtual bool is_stateless(const std::string& version) const = 0;

  /// Returns the name of the stateless revision, for refusals that name it.
  virtual std::string stateless_version() const = 0;

  /// Returns the body of a refusal with HTTP `status` that says `text`.
  virtual std::string refusal_body(int status, const std::string& text) const = 0;

  /// Returns the body of the refusal of a body that is not JSON.
  virtual std::string unreadable_body() const = 0;
};

} // namespace cua
