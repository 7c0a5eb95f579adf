#pragma once

#include <optional>
#include <string>

namespace cua::bench {

/// What the harness needs of most messages from a server: which request a response answers and
/// whether it failed, read without building a document (at tens of thousands of answers a second,
/// building one costs the client more than the server spends on a trivial call).
struct response_outline {
  bool valid = false;           // a JSON object
  bool has_method = false;      // a request or notification from the server, not a response
  std::optional<long> id;       // a numeric top-level id
  bool failed = false;          // a JSON-RPC error, or a tool result with isError: true
};

/// Reads `line` (one JSON-RPC message).
response_outline outline_of(const std::string& line);

} // namespace cua::bench
