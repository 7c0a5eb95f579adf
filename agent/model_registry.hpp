#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <caf/local_actor.hpp>
#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>

#include "messages/agent_messages.hpp"

namespace cua {

/// Settings every provider gets from the command line.
struct model_options {
  std::chrono::milliseconds call_timeout{120'000}; // one model call (--model-timeout)
  int retries = 3;                                 // on timeouts, 429 and 5xx (--model-retries)
  std::chrono::milliseconds first_backoff{2'000};  // doubled each retry (--model-backoff-ms)
  caf::actor client; // the MCP client connection of the call that runs the task, for sampling
};

/// Spawns a provider actor, linked to `task`, that answers (next_turn, model_request) with a
/// model_turn. `argument` is what follows the provider's name in the model spec.
using model_spawner = std::function<caf::expected<model_api>(
  caf::local_actor* task, const std::string& argument, const model_options& options)>;

/// A source of model turns, chosen by the model spec ("replay:PATH", "provider/model").
struct model_provider {
  std::string name;
  std::string usage; // how to name it in --model, e.g. "replay:PATH"
  model_spawner spawn;
  bool takes_argument = true; // "sampling" stands alone
};

/// Returns every provider this build knows.
const std::vector<model_provider>& model_providers();

/// Returns a provider actor for `spec`, linked to `task`, or an error that says which providers
/// exist.
caf::expected<model_api> spawn_model(caf::local_actor* task, const std::string& spec,
                                      const model_options& options);

} // namespace cua
