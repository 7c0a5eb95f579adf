#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "tools/session_use.hpp"

namespace cua {

namespace {

// What the asking client may do, as the operator set it.
nlohmann::json rights_json(const client_rights& rights, int32_t server_per_client) {
  auto tools = nlohmann::json::array();
  if (rights.tools)
    for (const auto& name : *rights.tools)
      tools.push_back(name);
  return {{"label", rights.label},
          {"all_tools", !rights.tools},
          {"tools", tools}, // with all_tools false: the only tools it may use
          {"read_only", rights.read_only},
          {"max_sessions", rights.max_sessions > 0 ? rights.max_sessions : server_per_client}};
}

nlohmann::json stats_json(const stats_report& report, const std::string& default_session) {
  auto sessions = nlohmann::json::object();
  for (const auto& s : report.sessions)
    sessions[s.id] = {{"state", to_string(s.status)},
                      {"created_at", s.created_at},
                      {"last_activity", s.last_activity},
                      {"idle_seconds", static_cast<double>(s.idle_ms) / 1000.0},
                      {"active_tasks", s.active_tasks},
                      {"is_shutting_down", s.status == session_status::closing},
                      {"computer", s.computer_id},
                      {"backend", s.backend},
                      {"ephemeral", s.ephemeral},
                      {"is_default", s.id == default_session}};
  const auto& pool = report.pool;
  auto warnings = nlohmann::json::array();
  if (pool.unconfined)
    warnings.push_back("computers are not isolated: " + pool.isolation);
  nlohmann::json out{{"total_sessions", report.sessions.size()},
          {"isolation", pool.isolation},
          {"warnings", warnings},
          {"max_concurrent", report.max_sessions},
          {"sessions", sessions},
          {"server_sessions", report.server_sessions},
          {"limits",
           {{"max_sessions", report.max_sessions},
            {"max_sessions_per_client", report.max_sessions_per_client},
            {"idle_timeout_s", report.idle_timeout_s},
            {"evict_idle_s", report.evict_idle_s},
            {"pool_size", pool.size},
            {"pool_warm", pool.warm}}},
          {"totals",
           {{"sessions_created", report.sessions_created},
            {"sessions_reaped", report.sessions_reaped},
            {"sessions_refused", report.sessions_refused},
            {"sessions_evicted", report.sessions_evicted}}},
          {"pool",
           {{"size", pool.size},
            {"in_use", pool.in_use},
            {"idle", pool.idle},
            {"starting", pool.starting},
            {"waiting", pool.waiting},
            {"unavailable", pool.unavailable},
            {"created", pool.created},
            {"destroyed", pool.destroyed},
            {"failed", pool.failed},
            {"timed_out", pool.timed_out}}}};
  if (!pool.hosts.empty()) {
    auto hosts = nlohmann::json::array();
    for (const auto& h : pool.hosts) {
      nlohmann::json host{{"address", h.address}, {"state", h.state}, {"capacity", h.capacity},
                          {"in_use", h.in_use},   {"warm", h.warm},   {"failed", h.failed}};
      if (h.round_trip_ms >= 0)
        host["round_trip_ms"] = h.round_trip_ms;
      if (!h.last_error.empty())
        host["last_error"] = h.last_error;
      hosts.push_back(std::move(host));
    }
    out["hosts"] = std::move(hosts);
  }
  return out;
}

nlohmann::json integers(std::initializer_list<const char*> names) {
  auto props = nlohmann::json::object();
  auto required = nlohmann::json::array();
  for (auto name : names) {
    props[name] = {{"type", "integer"}};
    required.push_back(name);
  }
  return {{"type", "object"}, {"properties", props}, {"required", required}};
}

nlohmann::json output_schema() {
  nlohmann::json session{
    {"type", "object"},
    {"properties",
     {{"state", {{"type", "string"}, {"enum", {"starting", "ready", "failed", "closing", "unresponsive"}}}},
      {"created_at", {{"type", "string"}}},
      {"last_activity", {{"type", "string"}}},
      {"idle_seconds", {{"type", "number"}}},
      {"active_tasks", {{"type", "integer"}}},
      {"is_shutting_down", {{"type", "boolean"}}},
      {"computer", {{"type", "string"}}},
      {"backend", {{"type", "string"}}},
      {"ephemeral", {{"type", "boolean"}}},
      {"is_default", {{"type", "boolean"}}}}},
    {"required", {"state", "created_at", "last_activity", "active_tasks", "computer"}}};
  return {{"type", "object"},
          {"properties",
           {{"total_sessions", {{"type", "integer"}}},
            {"max_concurrent", {{"type", "integer"}}},
            {"sessions", {{"type", "object"}, {"additionalProperties", session}}},
            {"server_sessions", {{"type", "integer"}}},
            {"isolation", {{"type", "string"}}},
            {"warnings", {{"type", "array"}, {"items", {{"type", "string"}}}}},
            {"limits", integers({"max_sessions", "max_sessions_per_client", "idle_timeout_s",
                                 "evict_idle_s", "pool_size", "pool_warm"})},
            {"totals", integers({"sessions_created", "sessions_reaped", "sessions_refused",
                                  "sessions_evicted"})},
            {"pool", integers({"size", "in_use", "idle", "starting", "waiting", "unavailable", "created",
                               "destroyed", "failed", "timed_out"})},
            {"rights",
             {{"type", "object"},
              {"description", "What this client may do (--tools, --read-only, its token's line)"},
              {"properties",
               {{"label", {{"type", "string"}}},
                {"all_tools", {{"type", "boolean"}}},
                {"tools", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                {"read_only", {{"type", "boolean"}}},
                {"max_sessions", {{"type", "integer"}}}}},
              {"required", {"label", "all_tools", "tools", "read_only", "max_sessions"}}}},
            {"hosts",
             {{"type", "array"},
              {"items",
               {{"type", "object"},
                {"properties",
                 {{"address", {{"type", "string"}}},
                  {"state", {{"type", "string"}, {"enum", {"joined", "connecting", "down"}}}},
                  {"capacity", {{"type", "integer"}}},
                  {"in_use", {{"type", "integer"}}},
                  {"warm", {{"type", "integer"}}},
                  {"failed", {{"type", "integer"}}},
                  {"round_trip_ms", {{"type", "number"}}},
                  {"last_error", {{"type", "string"}}}}},
                {"required", {"address", "state", "capacity", "in_use"}}}}}}}},
          {"required", {"total_sessions", "max_concurrent", "sessions", "server_sessions",
                        "isolation", "warnings", "limits", "totals", "pool", "rights"}}};
}

void get_stats(tool_context& ctx) {
  auto* context = &ctx;
  ctx.self()
    ->request(ctx.services().supervisor, ctx.query_bound(), stats_atom::value,
               ctx.services().client)
    .then(
      [=](const stats_report& report) {
        tool_result result;
        auto stats = stats_json(report, context->services().default_session_id);
        stats["rights"] = rights_json(*context->services().rights, report.max_sessions_per_client);
        result.set_structured(std::move(stats));
        context->finish(std::move(result));
      },
      [=](caf::error& err) {
        context->finish(tool_result::error("Cannot read the session stats: " + describe(err)));
      });
}

} // namespace

tool_definition get_session_stats_tool() {
  tool_definition tool{
    "get_session_stats",
    "Show sessions and the computer pool",
    "Lists this client's sessions (state, creation time, last activity, running tasks, its "
    "computer), how many sessions the server runs for all clients, the limits, lifetime totals and "
    "the computer pool's figures. Never waits on a busy session.",
    {{"type", "object"}, {"additionalProperties", false}},
    output_schema(),
    {{"title", "Show sessions and the computer pool"},
     {"readOnlyHint", true},
     {"destructiveHint", false},
     {"idempotentHint", true},
     {"openWorldHint", false}},
    get_stats,
  };
  tool.quick = true;
  return tool;
}

} // namespace cua
