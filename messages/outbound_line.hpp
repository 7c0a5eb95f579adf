#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace cua {

/// One line a bridge writes to its client, with what a transport needs to route it, so that no
/// transport reads the JSON again: stdio writes the text; HTTP sends a response to the POST that
/// asked, progress to the POST of its request, and the rest to a stream.
struct outbound_line {
  std::string text; // one JSON-RPC message (or a batch's array of responses), without newline
  /// The requests it answers, their ids as JSON text ("null" for an error with no id); empty for a
  /// message of the server's own (a notification or a request to the client).
  std::vector<std::string> answers;
  std::string progress_token; // a progress notification's token as JSON text; empty otherwise
  int32_t error_code = 0;     // a single error response: its JSON-RPC code; 0 otherwise
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outbound_line& x) {
  return f(caf::meta::type_name("outbound_line"), x.text, x.answers, x.progress_token,
           x.error_code);
}

} // namespace cua
