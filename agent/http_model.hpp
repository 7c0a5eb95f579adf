#pragma once

#include <functional>
#include <string>

#include <caf/local_actor.hpp>
#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>

#include "agent/http_client.hpp"
#include "messages/agent_messages.hpp"

namespace cua {

/// How one provider speaks HTTP: the request for a turn, and the turn in a response.
struct wire_format {
  std::string name; // for messages, e.g. "anthropic"
  std::function<http_request(const model_request&)> build;
  std::function<caf::expected<model_turn>(const http_response&)> parse;
};

/// Returns a provider actor that answers (next_turn, model_request) with one HTTP round trip (with
/// retries) in `wire`'s format. It runs on a thread of its own (the call blocks) and is linked to
/// `task`; when the task ends, a call under way is aborted at once.
model_api spawn_http_model(caf::local_actor* task, wire_format wire, retry_policy retry);

/// Returns the text of an error a provider put in its body ({"error": {"message": ...}} and the
/// like), or the start of the body.
std::string provider_error_text(const std::string& body);

} // namespace cua
