#pragma once

#include <chrono>
#include <map>
#include <string>

#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/metrics_messages.hpp"
#include "messages/session_messages.hpp"
#include "transport/http_exchange.hpp"
#include "util/prometheus_text.hpp"

namespace cua {

/// What the metrics actor understands: the bridges' (call_ended, tool, microseconds, outcome);
/// (metrics, load) answers the whole text; (metrics, exchange, load) answers a scrape of
/// GET /metrics on the exchange itself.
using metrics_api = metrics_sink_api::extend<
  caf::replies_to<metrics_atom, http_load>::with<std::string>,
  caf::reacts_to<metrics_atom, exchange_ptr, http_load>>;

/// One tool's calls so far.
struct tool_call_figures {
  std::map<call_outcome, int64_t> ended;
  latency_histogram duration;
};

struct metrics_state {
  supervisor_api supervisor;
  caf::timespan query_timeout{};
  std::map<std::string, tool_call_figures> tools;
  std::chrono::system_clock::time_point started;

  static inline const char* name = "metrics";
};

/// Counts every tools/call by tool and outcome with a histogram of its durations, and answers
/// scrapes in the Prometheus text format with those, the supervisor's figures (sessions, the pool,
/// each computer host) and the HTTP transport's. A supervisor that does not answer within
/// `query_timeout` fails the scrape (503), never hangs it.
metrics_api::behavior_type metrics_actor(metrics_api::stateful_pointer<metrics_state> self,
                                         supervisor_api supervisor, caf::timespan query_timeout);

/// Returns the text of a scrape from the figures gathered for it (pure: unit-tested).
std::string metrics_text(const std::map<std::string, tool_call_figures>& tools,
                         const stats_report& report, const http_load& load,
                         std::chrono::system_clock::time_point started, long resident_bytes);

} // namespace cua
