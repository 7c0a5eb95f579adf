#include "mcp/bridge_actor.hpp"

#include <algorithm>

#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>
#include <spdlog/spdlog.h>

#include "mcp/argument_schema.hpp"
#include "mcp/call_actor.hpp"
#include "mcp/call_audit.hpp"
#include "mcp/jsonrpc.hpp"
#include "mcp/log_sink.hpp"
#include "mcp/resource_requests.hpp"
#include "mcp/screen_watch_actor.hpp"
#include "mcp/task_registry_actor.hpp"
#include "mcp/task_view.hpp"
#include "mcp/tool.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "messages/outbound_line.hpp"
#include "util/json_text.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

namespace {

using bridge_ptr = caf::stateful_actor<bridge_state>*;
using nlohmann::json;

// Returns `message` as a line, with what a transport needs to route it.
outbound_line outbound_of(const json& message) {
  outbound_line out;
  out.text = json_text(message);
  if (message.is_array()) {
    for (const auto& item : message)
      if (item.is_object() && item.contains("id"))
        out.answers.push_back(item["id"].dump());
  } else if (message.contains("id") && !message.contains("method")) {
    out.answers.push_back(message["id"].dump());
    if (auto error = message.find("error"); error != message.end() && error->is_object())
      out.error_code = error->value("code", 0);
  } else if (message.value("method", "") == "notifications/progress") {
    out.progress_token = message["params"]["progressToken"].dump();
  }
  return out;
}

void flush_batch_if_done(bridge_ptr self, uint64_t id) {
  auto& st = self->state;
  auto i = st.batches.find(id);
  if (i == st.batches.end() || i->second.pending > 0 || st.current_batch == id)
    return;
  if (!i->second.responses.empty())
    self->send(st.writer, write_atom::value, outbound_of(i->second.responses));
  st.batches.erase(i);
}

// Takes a response that belongs to a batch into it; returns false for a response on its own.
bool into_batch(bridge_ptr self, const json& response) {
  auto& st = self->state;
  auto key = response.contains("id") ? response["id"].dump() : std::string{"null"};
  auto id = st.current_batch;
  if (auto i = st.batch_of.find(key); i != st.batch_of.end() && (id == 0 || i->second == id)) {
    id = i->second;
    st.batch_of.erase(i);
  }
  if (id == 0)
    return false;
  auto& batch = st.batches[id];
  batch.responses.push_back(response);
  if (batch.pending > 0)
    --batch.pending;
  flush_batch_if_done(self, id);
  return true;
}

void write(bridge_ptr self, const json& message) {
  bool is_response = message.contains("id") && !message.contains("method");
  if (is_response && into_batch(self, message))
    return;
  self->send(self->state.writer, write_atom::value, outbound_of(message));
}

void reply(bridge_ptr self, const json& id, json result) {
  write(self, jsonrpc::make_result(id, std::move(result)));
}

// Answers with `result` in the form of the request's revision: the stateless one (2026-07-28)
// wraps it as a complete result, cacheable or not.
void reply_for(bridge_ptr self, const json& id, json result, bool modern, bool cacheable) {
  reply(self, id, modern ? mcp::complete_result(std::move(result), cacheable) : std::move(result));
}

void reply_error(bridge_ptr self, const json& id, int code, const std::string& text,
                 json data = nullptr) {
  auto error = jsonrpc::make_error(id, code, text);
  if (!data.is_null())
    error["error"]["data"] = std::move(data);
  write(self, error);
}

// Answers a tools/call with a result of the tool's own (an error in-band) at `version`.
void reply_tool(bridge_ptr self, const json& id, const tool_result& result,
                const std::string& version) {
  reply(self, id, mcp::call_result_for_version(result.to_json(), version));
}

const tool_catalog& tools_of(const bridge_state& st) {
  static const tool_catalog none{{}};
  return st.config.tools != nullptr ? *st.config.tools : none;
}

// Tells the metrics (if any) how a call of `tool` begun at `started` ended.
void count_call(bridge_ptr self, const std::string& tool, caf::actor_clock::time_point started,
                call_outcome outcome) {
  count_call_end(self, self->state.services.metrics, tool, started, outcome);
}

using call_table = std::map<std::string, bridge_state::in_flight>;

// Takes call `i` out of the table and counts how it ended: the one way a call leaves the table, so
// that no way out can forget to count it.
bridge_state::in_flight end_call(bridge_ptr self, call_table::iterator i, call_outcome outcome) {
  auto call = std::move(i->second);
  self->state.calls.erase(i);
  count_call(self, call.tool, call.started, outcome);
  audit_end(self, self->state.services.audit, std::exchange(call.audit, nullptr), outcome,
            call.started);
  return call;
}

// Refuses a call of a known tool before it starts, with a tool error (counted as one).
void refuse_call(bridge_ptr self, const jsonrpc::message& msg, const std::string& tool,
                 const std::string& why, const std::string& version) {
  reply_tool(self, msg.id, tool_result::error(why), version);
  count_call(self, tool, self->clock().now(), call_outcome::error);
  if (const auto* known = tools_of(self->state).find(tool)) {
    auto record = audit_start(self->state.services, *known, msg.params.value("arguments", json{}));
    if (!record.is_null())
      record["error"] = why;
    audit_end(self, self->state.services.audit, std::move(record), call_outcome::error,
              self->clock().now());
  }
}

void handle_initialize(bridge_ptr self, const jsonrpc::message& msg) {
  auto& st = self->state;
  const auto& params = msg.params;
  if (!params.is_object() || !params.contains("protocolVersion")
      || !params["protocolVersion"].is_string()) {
    reply_error(self, msg.id, jsonrpc::invalid_params,
                "initialize needs params.protocolVersion, a string such as \"2025-11-25\"");
    return;
  }
  if (st.initialized) {
    reply_error(self, msg.id, jsonrpc::invalid_request, "the connection is already initialized");
    return;
  }
  st.version = mcp::negotiate_version(params["protocolVersion"].get<std::string>());
  st.client_capabilities = params.value("capabilities", json::object());
  st.initialized = true;
  auto text_of = [](const json& object, const char* key) {
    auto i = object.is_object() ? object.find(key) : object.end();
    return object.is_object() && i != object.end() && i->is_string() ? i->get<std::string>()
                                                                     : std::string{"?"};
  };
  auto client = params.contains("clientInfo") ? params["clientInfo"] : json::object();
  self->state.log->info("client {} {} connected, protocol {}", text_of(client, "name"),
               text_of(client, "version"), st.version);
  reply(self, msg.id, mcp::initialize_result(st.version, static_cast<bool>(st.config.tasks)));
}

// Returns the tools this bridge serves.

// Returns whether a client at `version` may ask for MCP tasks the 2025-11-25 way (params.task).
bool legacy_tasks(const bridge_state& st, const std::string& version) {
  return st.config.tasks && version != mcp::modern_version() && mcp::at_least(version, "2025-11-25");
}

// Returns every tool as tools/list shows it at `version`.
json tool_listing(const bridge_state& st, const std::string& version) {
  auto tools = json::array();
  const auto& rights = *st.services.rights;
  for (const auto& tool : tools_of(st).all()) {
    // A tool the client may not use is not shown: not one it may not call (--tools), nor one
    // that acts on screens as a whole (the agent's tools) for a client that may only look.
    if (!rights.offers(tool.name) || (tool.runs_tasks && rights.read_only))
      continue;
    auto shown = mcp::tool_for_version(tool.listing(), version);
    // The agent's tools take minutes: they may run as tasks; the others answer at once.
    if (tool.runs_tasks && legacy_tasks(st, version))
      shown["execution"] = {{"taskSupport", "optional"}};
    tools.push_back(std::move(shown));
  }
  return tools;
}

// Answers a request the registry refused with the JSON-RPC error that goes with why.
void reply_registry_error(bridge_ptr self, const json& id, const caf::error& err) {
  int code = jsonrpc::internal_error;
  if (err.category() == caf::atom("cua")) {
    auto what = static_cast<errc>(err.code());
    if (what == errc::invalid_arguments)
      code = jsonrpc::invalid_params;
    else if (what == errc::task_limit_reached || what == errc::shutting_down)
      code = mcp::server_error_code;
  } else if (err == caf::sec::request_timeout) {
    code = mcp::server_error_code;
  }
  reply_error(self, id, code, describe(err));
}

// Hands a tools/call to the task registry; the client is answered with the task at once.
void start_task(bridge_ptr self, const jsonrpc::message& msg, call_setup setup, int64_t ttl_ms) {
  auto& st = self->state;
  task_order order;
  order.modern = setup.protocol_version == mcp::modern_version();
  if (order.modern) // the extension has no progress for tasks: their status says how they do
    setup.progress_token = nullptr;
  order.setup = std::move(setup);
  order.owner = st.services.client;
  order.bridge = self;
  if (!order.modern)
    order.writer = st.writer;
  order.ttl_ms = ttl_ms;
  auto id = msg.id;
  self->request(st.config.tasks, st.services.query_timeout, task_create_atom::value,
                std::move(order))
    .then([=](json& created) { reply(self, id, std::move(created)); },
          [=](caf::error& err) { reply_registry_error(self, id, err); });
}

void handle_tools_list(bridge_ptr self, const jsonrpc::message& msg) {
  reply(self, msg.id, {{"tools", tool_listing(self->state, self->state.version)}});
}

void handle_tools_call(bridge_ptr self, const jsonrpc::message& msg, const std::string& key,
                       const std::string& version) {
  auto& st = self->state;
  const auto& params = msg.params;
  if (!params.is_object() || !params.contains("name") || !params["name"].is_string()) {
    reply_error(self, msg.id, jsonrpc::invalid_params, "tools/call needs params.name, a string");
    return;
  }
  auto name = params["name"].get<std::string>();
  const auto* tool = tools_of(st).find(name);
  if (tool == nullptr || !st.services.rights->offers(name)) {
    reply_error(self, msg.id, jsonrpc::invalid_params, "unknown tool \"" + name + "\"");
    return;
  }
  if (tool->runs_tasks) // the agent's tools act on screens
    if (auto refusal = st.services.rights->refusal_of_acting_tool(name); !refusal.empty())
      return reply_error(self, msg.id, jsonrpc::invalid_params, refusal);
  auto wanted = mcp::task_request{};
  if (legacy_tasks(st, version)) {
    wanted = mcp::read_task_request(params);
    if (!wanted.problem.empty())
      return reply_error(self, msg.id, jsonrpc::invalid_params, wanted.problem);
    if (wanted.wanted && !tool->runs_tasks)
      return reply_error(self, msg.id, jsonrpc::method_not_found,
                         "the tool \"" + name + "\" does not run as a task (its taskSupport is "
                         "forbidden): call it without params.task");
  } else if (st.config.tasks && version == mcp::modern_version()) {
    // The extension lets the server choose: the agent's tools, which take minutes, run as tasks
    // for every client that declares it.
    wanted.wanted = tool->runs_tasks && mcp::declares_tasks_extension(params);
  }
  auto arguments = params.value("arguments", json::object());
  if (arguments.is_null())
    arguments = json::object();
  if (!arguments.is_object())
    return refuse_call(self, msg, name, "the arguments of " + name + " must be an object", version);
  if (auto problem = check_arguments(tool->input_schema, arguments))
    return refuse_call(self, msg, name, "invalid arguments for " + name + ": " + *problem,
                       version);
  if (!wanted.wanted && static_cast<int32_t>(st.calls.size()) >= st.config.max_in_flight)
    return refuse_call(self, msg, name,
                       "too many tool calls in flight (at most "
                         + std::to_string(st.config.max_in_flight) + "); wait for some to finish",
                       version);
  call_setup setup;
  setup.tool = tool;
  setup.arguments = std::move(arguments);
  setup.request_key = key;
  setup.ticket = st.next_ticket++;
  setup.request_id = msg.id;
  if (auto meta = params.find("_meta"); meta != params.end() && meta->is_object()) {
    if (auto token = meta->find("progressToken");
        token != meta->end() && (token->is_string() || token->is_number_integer()))
      setup.progress_token = *token;
    // The stateless revision's log channel: records about the call's session, on its own
    // stream, at the level the request asks for.
    if (auto level = meta->find(mcp::meta_key::log_level);
        version == mcp::modern_version() && level != meta->end() && level->is_string())
      setup.log_level = mcp::parse_log_level(level->get<std::string>());
  }
  setup.protocol_version = version;
  setup.bridge = self;
  setup.services = st.services;
  // Without initialize there is no connection to hang a default session on: a call without
  // session_id starts a new session, and its result names it.
  if (version == mcp::modern_version())
    setup.services.default_session_id.clear();
  setup.heartbeat_interval = st.config.heartbeat_interval;
  if (wanted.wanted)
    return start_task(self, msg, std::move(setup), wanted.ttl_ms);
  auto ticket = setup.ticket;
  auto audit = audit_start(setup.services, *tool, setup.arguments);
  if (tool->quick) {
    st.calls.emplace(key, bridge_state::in_flight{caf::actor{}, msg.id, name, ticket, version,
                                                  self->clock().now(), std::move(audit)});
    st.quick->start(std::move(setup));
    return;
  }
  auto call = self->spawn(call_actor, std::move(setup));
  self->monitor(call);
  st.calls.emplace(key, bridge_state::in_flight{call, msg.id, name, ticket, version,
                                                self->clock().now(), std::move(audit)});
}

// Ends a call that gets no answer (cancelled): its actor stops, or, for a quick call, what is left
// of it finds the call finished.
void stop_call(bridge_ptr self, const bridge_state::in_flight& call) {
  if (call.call) {
    self->demonitor(call.call);
    self->send_exit(call.call, caf::exit_reason::user_shutdown);
  } else {
    self->state.quick->abandon(call.ticket);
  }
}

// Answers a pending drain once no call is left in flight.
void check_drained(bridge_ptr self) {
  auto& st = self->state;
  if (st.drained && st.calls.empty()) {
    st.drained->deliver(caf::unit);
    st.drained.reset();
  }
}

// Ends every call in flight that `select` picks, each answered with `why` as a tool error: a client
// that asked must hear what became of its request, even when the server stops.
template <class Select>
void cancel_calls(bridge_ptr self, Select select, const std::string& why) {
  auto& st = self->state;
  for (auto i = st.calls.begin(); i != st.calls.end();) {
    if (!select(i->second)) {
      ++i;
      continue;
    }
    auto next = std::next(i);
    auto call = end_call(self, i, call_outcome::cancelled);
    i = next;
    stop_call(self, call);
    reply_tool(self, call.id, tool_result::error(call.tool + ": " + why), call.version);
  }
}

// The client's input ended: nothing more will come, and nothing it could answer either. Quick and
// computer calls run to their end; a task would take minutes, so it is cancelled and said so.
caf::result<void> drain(bridge_ptr self) {
  auto& st = self->state;
  for (auto& [id, promise] : st.asked)
    promise.deliver(make_error(errc::shutting_down, "the client closed its input"));
  st.asked.clear();
  cancel_calls(
    self,
    [&st](const bridge_state::in_flight& call) {
      const auto* tool = tools_of(st).find(call.tool);
      return tool != nullptr && tool->runs_tasks;
    },
    "the server is shutting down (its input ended), so the task was cancelled");
  if (st.calls.empty())
    return caf::unit;
  if (!st.drained)
    st.drained = self->make_response_promise();
  return caf::delegated<void>{};
}

// Answers the quick calls the supervisor left unanswered for too long.
void sweep_quick_calls(bridge_ptr self) {
  auto& st = self->state;
  auto overdue = st.quick->sweep();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(st.quick->bound()).count();
  for (auto ticket : overdue) {
    auto i = std::find_if(st.calls.begin(), st.calls.end(), [ticket](const auto& entry) {
      return !entry.second.call && entry.second.ticket == ticket;
    });
    if (i == st.calls.end())
      continue; // cancelled meanwhile
    auto call = end_call(self, i, call_outcome::error);
    st.log->warn("{} got no answer from the supervisor within {} s", call.tool, secs);
    reply_tool(self, call.id,
               tool_result::error(call.tool + ": the server did not answer within "
                                  + std::to_string(secs) + " s; try again"),
               call.version);
  }
  check_drained(self);
}

// Serves tasks/get, tasks/result, tasks/list, tasks/cancel and (modern) tasks/update from the
// registry, for this client's tasks.
void handle_tasks_request(bridge_ptr self, const jsonrpc::message& msg, bool modern) {
  auto& st = self->state;
  const auto& params = msg.params;
  const auto& method = msg.method;
  auto owner = st.services.client;
  auto id = msg.id;
  auto answer = [=](json& result) { reply_for(self, id, std::move(result), modern, false); };
  auto refuse = [=](caf::error& err) { reply_registry_error(self, id, err); };
  auto bound = st.services.query_timeout;
  if (method == "tasks/list") {
    auto cursor = params.is_object() ? params.value("cursor", json{}) : json{};
    if (!cursor.is_null() && !cursor.is_string())
      return reply_error(self, id, jsonrpc::invalid_params, "params.cursor must be a string");
    self->request(st.config.tasks, bound, task_list_atom::value, owner,
                  cursor.is_string() ? cursor.get<std::string>() : std::string{})
      .then(answer, refuse);
    return;
  }
  auto task = params.is_object() ? params.value("taskId", json{}) : json{};
  if (!task.is_string())
    return reply_error(self, id, jsonrpc::invalid_params,
                       method + " needs params.taskId, a string (a tools/call with a task returned it)");
  auto task_id = task.get<std::string>();
  if (method == "tasks/get")
    self->request(st.config.tasks, bound, task_get_atom::value, owner, task_id, modern)
      .then(answer, refuse);
  else if (method == "tasks/cancel")
    self->request(st.config.tasks, bound, task_cancel_atom::value, owner, task_id, modern)
      .then(answer, refuse);
  else if (method == "tasks/update" && modern)
    self->request(st.config.tasks, bound, task_update_atom::value, owner, task_id)
      .then(answer, refuse);
  else if (method == "tasks/result" && !modern) {
    // Waits: a connection that drops meanwhile cancels the request, and its answer is dropped.
    auto key = id.dump();
    st.task_waits.insert(key);
    self->request(st.config.tasks, st.config.task_wait_bound, task_result_atom::value, owner,
                  task_id)
      .then(
        [=](json& result) {
          if (self->state.task_waits.erase(key) > 0)
            answer(result);
        },
        [=](caf::error& err) {
          if (self->state.task_waits.erase(key) > 0)
            refuse(err);
        });
  } else
    reply_error(self, id, jsonrpc::method_not_found, "method \"" + method + "\" not found");
}

resource_sources resources_of(bridge_ptr self) {
  const auto& services = self->state.services;
  return {services.supervisor, services.recorder, services.client, services.query_timeout};
}

// Serves resources/list, resources/templates/list, resources/read and (2025 revisions)
// resources/subscribe and resources/unsubscribe, for this client's resources only.
void handle_resources_request(bridge_ptr self, const jsonrpc::message& msg, bool modern) {
  auto& st = self->state;
  const auto& method = msg.method;
  auto id = msg.id;
  if (method == "resources/templates/list")
    return reply_for(self, id, {{"resourceTemplates", mcp::resource_templates()}}, modern, true);
  if (method == "resources/list") {
    list_resources(self, resources_of(self), [=](caf::expected<json> listed) {
      if (listed && modern) // the client's own sessions and recordings: never the same for long
        reply(self, id, mcp::private_list_result(std::move(*listed)));
      else if (listed)
        reply(self, id, std::move(*listed));
      else
        reply_error(self, id, jsonrpc::internal_error, describe(listed.error()));
    });
    return;
  }
  auto uri = msg.params.is_object() ? msg.params.value("uri", json{}) : json{};
  if (!uri.is_string())
    return reply_error(self, id, jsonrpc::invalid_params, method + " needs params.uri, a string");
  auto text = uri.get<std::string>();
  if (method == "resources/read") {
    read_resource(self, resources_of(self), text, [=](caf::expected<json> read) {
      if (read)
        reply_for(self, id, std::move(*read), modern, false);
      else if (read.error() == errc::invalid_arguments)
        reply_error(self, id, jsonrpc::resource_not_found, describe(read.error()), {{"uri", text}});
      else
        reply_error(self, id, jsonrpc::internal_error, describe(read.error()));
    });
    return;
  }
  if (method == "resources/unsubscribe") {
    if (auto i = st.watches.find(text); i != st.watches.end()) {
      if (i->second) {
        self->demonitor(i->second);
        self->send_exit(i->second, caf::exit_reason::user_shutdown);
      }
      st.watches.erase(i);
    }
    return reply(self, id, json::object());
  }
  // resources/subscribe: a session's screen, which must be this client's.
  auto target = mcp::parse_resource_uri(text);
  if (!target || target->kind != mcp::resource_uri::screen)
    return reply_error(self, id, jsonrpc::invalid_params,
                       "only a session's screen (cua://sessions/{session_id}/screen) can be "
                       "subscribed to; recordings do not change once written");
  if (st.watches.count(text) > 0)
    return reply(self, id, json::object());
  // Pending (no watcher yet) until the session is found: an unsubscribe meanwhile removes it, and
  // then no watcher starts.
  st.watches.emplace(text, caf::actor{});
  auto from = resources_of(self);
  auto session = target->owner;
  self->request(from.supervisor, from.timeout, find_atom::value, from.client, session)
    .then(
      [=](const session_api&) {
        auto& st = self->state;
        if (auto i = st.watches.find(text); i != st.watches.end() && !i->second) {
          i->second = self->spawn(screen_watch_actor,
                                  screen_watch_config{from, session, st.writer,
                                                      st.config.screen_watch_interval});
          self->monitor(i->second);
        }
        reply(self, id, json::object());
      },
      [=](caf::error& err) {
        auto& st = self->state;
        if (auto i = st.watches.find(text); i != st.watches.end() && !i->second)
          st.watches.erase(i);
        reply_error(self, id, jsonrpc::resource_not_found,
                    "no resource " + text + " (unknown, or not yours): " + describe(err),
                    {{"uri", text}});
      });
}

void handle_set_level(bridge_ptr self, const jsonrpc::message& msg) {
  const auto& params = msg.params;
  auto level = params.is_object() && params.contains("level") && params["level"].is_string()
                 ? mcp::parse_log_level(params["level"].get<std::string>())
                 : std::nullopt;
  if (!level) {
    reply_error(self, msg.id, jsonrpc::invalid_params,
                "logging/setLevel needs params.level: debug, info, notice, warning, error, "
                "critical, alert or emergency");
    return;
  }
  self->state.log_level = *level;
  reply(self, msg.id, json::object());
}

// A request of the stateless revision: everything it needs is in it; nothing of the connection
// (initialized or not) is used. server/discover is that revision's probe, so it is served so even
// without _meta (and then refused as malformed, which tells the prober what is wrong).
void handle_modern_request(bridge_ptr self, const jsonrpc::message& msg, const std::string& key) {
  if (auto problem = mcp::check_modern_meta(msg.params))
    return reply_error(self, msg.id, problem->code, problem->message, problem->data);
  const auto& method = msg.method;
  // The tasks extension's methods (tasks/result and tasks/list are gone from it).
  if (self->state.config.tasks
      && (method == "tasks/get" || method == "tasks/update" || method == "tasks/cancel")) {
    if (!mcp::declares_tasks_extension(msg.params))
      return reply_error(self, msg.id, mcp::missing_client_capability,
                         method + " is part of the tasks extension: declare \""
                           + mcp::tasks_extension
                           + "\" in _meta's client capabilities (extensions) to use it",
                         mcp::tasks_extension_required());
    return handle_tasks_request(self, msg, true);
  }
  if (!mcp::modern_method(method)) {
    auto removed = method == "initialize" || method == "ping" || method == "logging/setLevel"
                   || method == "resources/subscribe" || method == "resources/unsubscribe";
    return reply_error(self, msg.id, jsonrpc::method_not_found,
                       "method \"" + method + "\" not found"
                         + (removed ? " in protocol " + mcp::modern_version()
                                        + ", which has no handshake and no session"
                                    : std::string{}));
  }
  if (method == "server/discover")
    return reply(self, msg.id, mcp::discover_result(static_cast<bool>(self->state.config.tasks)));
  if (method == "tools/list")
    return reply(self, msg.id,
                 mcp::complete_result({{"tools", tool_listing(self->state, mcp::modern_version())}}, true));
  if (method == "prompts/list")
    return reply(self, msg.id, mcp::complete_result({{"prompts", json::array()}}, true));
  if (method == "resources/list" || method == "resources/templates/list"
      || method == "resources/read")
    return handle_resources_request(self, msg, true);
  handle_tools_call(self, msg, key, mcp::modern_version());
}

void handle_request(bridge_ptr self, const jsonrpc::message& msg) {
  auto& st = self->state;
  auto key = msg.id.dump();
  if (st.calls.count(key) > 0) {
    reply_error(self, msg.id, jsonrpc::invalid_request,
                "request id " + key + " is already in use by a request in flight");
    return;
  }
  if (st.config.stateless || mcp::claims_modern(msg.params) || msg.method == "server/discover")
    return handle_modern_request(self, msg, key);
  if (msg.method == "initialize")
    return handle_initialize(self, msg);
  if (msg.method == "ping")
    return reply(self, msg.id, json::object());
  if (!st.initialized) {
    reply_error(self, msg.id, jsonrpc::invalid_request,
                "the connection is not initialized: send initialize first");
    return;
  }
  if (msg.method == "tools/list")
    return handle_tools_list(self, msg);
  if (msg.method == "tools/call")
    return handle_tools_call(self, msg, key, st.version);
  if (msg.method == "logging/setLevel")
    return handle_set_level(self, msg);
  if (msg.method.rfind("tasks/", 0) == 0 && legacy_tasks(st, st.version))
    return handle_tasks_request(self, msg, false);
  if (msg.method == "resources/list" || msg.method == "resources/templates/list"
      || msg.method == "resources/read" || msg.method == "resources/subscribe"
      || msg.method == "resources/unsubscribe")
    return handle_resources_request(self, msg, false);
  reply_error(self, msg.id, jsonrpc::method_not_found, "method \"" + msg.method + "\" not found");
}

// Stops the call of request `key` (its id as JSON text) without an answer: the client cancelled it,
// or the connection it came on closed.
void cancel_request(bridge_ptr self, const std::string& key, const char* why) {
  auto& st = self->state;
  if (st.task_waits.erase(key) > 0) {
    st.log->debug("tasks/result request {} cancelled: {}", key, why);
    return; // the task goes on; only this wait for it ends
  }
  auto i = st.calls.find(key);
  if (i == st.calls.end())
    return; // finished already, or never ours: the spec says to ignore it
  st.log->info("request {} ({}) cancelled: {}", key, i->second.tool, why);
  stop_call(self, end_call(self, i, call_outcome::cancelled));
  check_drained(self);
  // A cancelled batch member gets no answer; the batch stops waiting for it.
  if (auto b = st.batch_of.find(key); b != st.batch_of.end()) {
    auto batch = b->second;
    st.batch_of.erase(b);
    if (st.batches[batch].pending > 0)
      --st.batches[batch].pending;
    flush_batch_if_done(self, batch);
  }
}

void handle_notification(bridge_ptr self, const jsonrpc::message& msg) {
  if (msg.method == "notifications/cancelled" && msg.params.is_object()
      && msg.params.contains("requestId"))
    cancel_request(self, msg.params["requestId"].dump(), "the client said so");
  // notifications/initialized, notifications/progress and the rest need nothing from us.
}

void handle_response(bridge_ptr self, const jsonrpc::message& msg) {
  auto& st = self->state;
  auto i = st.asked.find(msg.id.dump());
  if (i == st.asked.end()) {
    self->state.log->warn("a response to an unknown request {} was ignored", msg.id.dump());
    return;
  }
  auto promise = i->second;
  st.asked.erase(i);
  if (!msg.error.is_null()) {
    auto text = msg.error.is_object() && msg.error.contains("message")
                    && msg.error["message"].is_string()
                  ? msg.error["message"].get<std::string>()
                  : json_text(msg.error);
    promise.deliver(make_error(errc::internal, "the client answered with an error: " + text));
    return;
  }
  promise.deliver(msg.result);
}

void handle_message(bridge_ptr self, json&& value) {
  auto msg = jsonrpc::classify(std::move(value));
  switch (msg.type) {
    case jsonrpc::kind::invalid:
      reply_error(self, msg.id, jsonrpc::invalid_request, "invalid request: " + msg.problem);
      return;
    case jsonrpc::kind::request:
      handle_request(self, msg);
      return;
    case jsonrpc::kind::notification:
      handle_notification(self, msg);
      return;
    case jsonrpc::kind::response:
      handle_response(self, msg);
      return;
  }
}

void handle_value(bridge_ptr self, json value);

void handle_line(bridge_ptr self, const std::string& line) {
  if (line.find_first_not_of(" \t\r") == std::string::npos)
    return;
  auto value = json::parse(line, nullptr, false);
  if (value.is_discarded()) {
    reply_error(self, nullptr, jsonrpc::parse_error, "parse error: the line is not valid JSON");
    return;
  }
  handle_value(self, std::move(value));
}

// Serves one parsed message, or a batch of them.
void handle_value(bridge_ptr self, json value) {
  if (value.is_array()) {
    // Only protocol 2025-03-26 has batches.
    if (self->state.version != "2025-03-26" || value.empty()) {
      reply_error(self, nullptr, jsonrpc::invalid_request,
                  "batches (JSON arrays) are not part of this protocol version");
      return;
    }
    // Every member that gets an answer is counted first; the answers go out as one array once
    // the last of them (tool calls may take a while) is in.
    auto& st = self->state;
    auto id = st.next_batch++;
    st.current_batch = id;
    for (auto& item : value) {
      auto kind = jsonrpc::classify(item);
      if (kind.type == jsonrpc::kind::request || kind.type == jsonrpc::kind::invalid) {
        ++st.batches[id].pending;
        if (kind.type == jsonrpc::kind::request)
          st.batch_of[kind.id.dump()] = id;
      }
      handle_message(self, std::move(item));
    }
    st.current_batch = 0;
    flush_batch_if_done(self, id);
    return;
  }
  handle_message(self, std::move(value));
}

// Runs `serve` on an incoming message: whatever a client sends, the connection goes on (an
// exception escaping a handler would end the bridge).
template <class Serve>
void guarded(bridge_ptr self, Serve&& serve) {
  try {
    serve();
  } catch (const std::exception& e) {
    self->state.log->error("internal error on an incoming message: {}", e.what());
    reply_error(self, nullptr, jsonrpc::internal_error, std::string{"internal error: "} + e.what());
  }
}

// A call's actor died without answering (an exception in a tool): the client still gets an
// answer, and the server goes on.
void call_died(bridge_ptr self, const caf::down_msg& msg) {
  auto& st = self->state;
  for (auto i = st.watches.begin(); i != st.watches.end(); ++i)
    if (i->second && i->second.address() == msg.source) {
      st.watches.erase(i); // its session is gone: a new subscribe may start another
      return;
    }
  for (auto i = st.calls.begin(); i != st.calls.end(); ++i) {
    if (i->second.call.address() != msg.source)
      continue;
    st.log->error("tool {} stopped unexpectedly: {}", i->second.tool,
                  caf::to_string(msg.reason));
    auto call = end_call(self, i, call_outcome::error);
    reply_tool(self, call.id,
               tool_result::error("internal error: the tool " + call.tool
                                  + " stopped unexpectedly; the server goes on"),
               call.version);
    check_drained(self);
    return;
  }
}

// Sends a request of the server's own to the client; its response comes back through
// handle_response.
caf::result<json> ask_client(bridge_ptr self, const std::string& method, json params) {
  auto& st = self->state;
  if (method == "sampling/createMessage") {
    const auto& caps = st.client_capabilities;
    auto sampling = caps.is_object() && caps.contains("sampling") ? caps["sampling"] : json{};
    if (!sampling.is_object())
      return make_error(errc::model_failed,
                        "the MCP client did not declare the sampling capability, so its model "
                        "cannot be used; choose a provider with --model / CUA_MODEL_NAME");
    if (params.contains("tools") && !sampling.contains("tools"))
      return make_error(errc::model_failed,
                        "the MCP client's sampling has no tool support (sampling.tools), which "
                        "computer use needs; choose a provider with --model / CUA_MODEL_NAME");
  }
  // Our ids are strings with a prefix, so they never collide with anything the client sends.
  auto id = "cua-" + std::to_string(st.next_request++);
  auto promise = self->make_response_promise();
  st.asked.emplace(json(id).dump(), promise);
  write(self, jsonrpc::make_request(id, method, std::move(params)));
  return caf::delegated<json>{};
}

// Answers every call still in flight with an error saying the server stops, and ends.
void shut_down(bridge_ptr self) {
  auto& st = self->state;
  cancel_calls(
    self, [](const bridge_state::in_flight&) { return true; },
    "the server is shutting down, so the call was cancelled");
  check_drained(self);
  for (auto& [id, promise] : st.asked)
    promise.deliver(make_error(errc::shutting_down, "the server is shutting down"));
  st.asked.clear();
  self->quit();
}

} // namespace

bridge_state::~bridge_state() {
  for (auto& [key, call] : calls)
    if (call.call)
      caf::anon_send_exit(call.call, caf::exit_reason::user_shutdown);
  for (auto& [uri, watch] : watches)
    if (watch)
      caf::anon_send_exit(watch, caf::exit_reason::user_shutdown);
}

caf::behavior bridge_actor(caf::stateful_actor<bridge_state>* self, caf::actor writer,
                           tool_services services, bridge_config config) {
  log_unexpected_messages(self);
  auto& st = self->state;
  st.writer = std::move(writer);
  st.services = std::move(services);
  st.log = tagged_log{log_tag{st.services.client, {}}};
  st.config = config;
  st.quick.emplace(self, st.services.query_timeout);
  self->set_down_handler([=](const caf::down_msg& msg) { call_died(self, msg); });
  return {
    [=](line_atom, const std::string& line) {
      guarded(self, [&] { handle_line(self, line); });
    },
    [=](message_atom, json& value) {
      guarded(self, [&] { handle_value(self, std::move(value)); });
    },
    [=](cancel_atom, const std::string& key) {
      cancel_request(self, key, "the connection it came on closed");
    },
    [=](oversize_atom, uint64_t size) {
      reply_error(self, nullptr, jsonrpc::invalid_request,
                  "message of " + std::to_string(size) + " bytes exceeds the limit of "
                    + std::to_string(self->state.config.max_line) + " bytes; it was skipped");
    },
    [=](call_done_atom, const std::string& key, uint64_t ticket, std::string& line,
        bool tool_error) {
      auto& st = self->state;
      st.quick->ended(ticket); // its finish() has returned: nothing refers to it any more
      auto i = st.calls.find(key);
      if (i == st.calls.end() || i->second.ticket != ticket)
        return; // cancelled: no response (and a reused id belongs to another call)
      auto call = end_call(self, i, tool_error ? call_outcome::error : call_outcome::ok);
      if (call.call)
        self->demonitor(call.call);
      if (st.batch_of.count(key) == 0 || !into_batch(self, json::parse(line, nullptr, false)))
        self->send(st.writer, write_atom::value, outbound_line{std::move(line), {key}, {}, 0});
      check_drained(self);
    },
    [=](resume_atom, uint64_t ticket, uint64_t step) { self->state.quick->resume(ticket, step); },
    [=](tick_atom) { sweep_quick_calls(self); },
    [=](notify_atom, const std::string& key, outbound_line& line) {
      auto& st = self->state;
      if (st.calls.count(key) > 0)
        self->send(st.writer, write_atom::value, std::move(line));
    },
    [=](log_atom, int32_t level, const std::string& logger, const std::string& text) {
      auto& st = self->state;
      if (!st.initialized)
        return;
      if (auto line = log_notification(level, logger, text, st.log_level))
        self->send(st.writer, write_atom::value, outbound_line{std::move(*line), {}, {}, 0});
    },
    [=](client_req_atom, const std::string& method, json& params) {
      return ask_client(self, method, std::move(params));
    },
    [=](drain_atom) { return drain(self); },
    [=](shutdown_atom) { shut_down(self); },
  };
}

} // namespace cua
