#include "mcp/task_registry_actor.hpp"

#include "mcp/call_audit.hpp"

#include <algorithm>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include "mcp/call_actor.hpp"
#include "mcp/call_audit.hpp"
#include "mcp/jsonrpc.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "messages/json_payload.hpp"
#include "messages/outbound_line.hpp"
#include "util/ids.hpp"
#include "util/json_text.hpp"
#include "util/log_tag.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

namespace {

using registry_ptr = caf::stateful_actor<task_registry_state>*;
using entry = task_registry_state::entry;
using nlohmann::json;
using mcp::task_status;

constexpr size_t list_page = 50;
constexpr size_t max_waiting = 16; // tasks/result requests waiting for one task

int64_t millis(caf::timespan t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t).count();
}

caf::error unknown_task(const std::string& id) {
  return make_error(errc::invalid_arguments,
                    "no task \"" + id + "\": unknown, expired, or not this client's");
}

// Returns the owner's task `id`, or nullptr: another client's task is as unknown as a wrong id.
entry* find_task(registry_ptr self, const std::string& owner, const std::string& id) {
  auto i = self->state.tasks.find(id);
  return i == self->state.tasks.end() || i->second.owner != owner ? nullptr : &i->second;
}

// Tells the owner (where it can hear: protocol 2025-11-25 has notifications/tasks/status).
void announce(registry_ptr self, const entry& task) {
  if (!task.writer || task.modern)
    return;
  auto note = jsonrpc::make_notification("notifications/tasks/status",
                                         mcp::task_json(task.view, false));
  self->send(task.writer, write_atom::value, outbound_line{json_text(note), {}, {}, 0});
}

void set_status(registry_ptr self, entry& task, task_status status, std::string message) {
  task.view.status = status;
  task.view.status_message = std::move(message);
  task.view.updated_at = std::chrono::system_clock::now();
  announce(self, task);
}

void count_end(registry_ptr self, entry& task, call_outcome outcome) {
  count_call_end(self, task.metrics, task.tool, task.started, outcome);
  audit_end(self, task.audit, std::exchange(task.audit_record, nullptr), outcome, task.started);
}

// The result a cancelled task's call would have been answered with.
json cancelled_result(const entry& task) {
  return {{"content", {{{"type", "text"}, {"text", task.tool + ": the task was cancelled"}}}},
          {"isError", true}};
}

// Answers the tasks/result requests waiting for `task`, which has ended.
void answer_waiting(entry& task) {
  for (auto& promise : task.waiting) {
    if (!task.error.is_null()) {
      promise.deliver(make_error(errc::internal, task.error.value("message", "the task failed")));
      continue;
    }
    auto result = task.result.is_null() ? cancelled_result(task) : task.result;
    result["_meta"][mcp::related_task_key] = {{"taskId", task.view.id}};
    promise.deliver(std::move(result));
  }
  task.waiting.clear();
}

// Stops a running task's call; the task is cancelled with `why`.
void stop_task(registry_ptr self, entry& task, const std::string& why) {
  if (mcp::is_terminal(task.view.status))
    return;
  if (task.call) {
    self->demonitor(task.call);
    self->send_exit(task.call, caf::exit_reason::user_shutdown);
    task.call = nullptr;
    count_end(self, task, call_outcome::cancelled);
  }
  set_status(self, task, task_status::cancelled, why);
  answer_waiting(task);
}

caf::result<json> create(registry_ptr self, task_order& order) {
  auto& st = self->state;
  int32_t kept = 0;
  uint64_t bytes = 0;
  for (const auto& [id, task] : st.tasks)
    if (task.owner == order.owner) {
      ++kept;
      bytes += task.bytes;
    }
  if (kept >= st.config.max_per_owner)
    return make_error(errc::task_limit_reached,
                      "this client already has " + std::to_string(kept) + " tasks (at most "
                        + std::to_string(st.config.max_per_owner)
                        + " are kept, running or finished): cancel one, or wait until finished "
                          "ones pass their ttl (ask for a shorter ttl to free them sooner)");
  if (bytes >= st.config.max_bytes_per_owner)
    return make_error(errc::task_limit_reached,
                      "this client's finished tasks hold " + std::to_string(bytes >> 20)
                        + " MiB of results (at most " + std::to_string(st.config.max_bytes_per_owner >> 20)
                        + " MiB are kept): wait until they pass their ttl, or ask shorter ttls");
  auto ttl_max = millis(st.config.ttl_max);
  auto ttl = order.ttl_ms > 0 ? std::min(order.ttl_ms, ttl_max) : ttl_max;
  entry task;
  task.view.id = random_uuid();
  task.view.created_at = task.view.updated_at = std::chrono::system_clock::now();
  task.view.ttl_ms = ttl;
  task.view.poll_ms = millis(st.config.poll_interval);
  task.seq = st.next_seq++;
  task.owner = order.owner;
  task.tool = order.setup.tool->name;
  task.bridge = order.bridge;
  task.writer = order.writer;
  task.modern = order.modern;
  task.client_progress_token = order.setup.progress_token;
  task.started = self->clock().now();
  task.metrics = order.setup.services.metrics;
  task.audit = order.setup.services.audit;
  task.audit_record = audit_start(order.setup.services, *order.setup.tool, order.setup.arguments);
  // The call reports here; its progress becomes the task's status message, so it always has a
  // token (the client's own, whose notifications are passed on, or one of ours).
  auto& setup = order.setup;
  setup.bridge = self;
  setup.request_key = task.view.id;
  setup.ticket = task.seq;
  if (setup.progress_token.is_null())
    setup.progress_token = "task " + task.view.id;
  task.call = self->spawn(call_actor, std::move(setup));
  self->monitor(task.call);
  auto id = task.view.id;
  auto shown = mcp::create_task_result(task.view, order.modern);
  tagged_logger(log_tag{order.owner, {}})->info("task {} runs {} (ttl {} s)", id, task.tool, ttl / 1000);
  st.tasks.emplace(id, std::move(task));
  self->delayed_send(self, std::chrono::milliseconds(ttl), expire_atom::value, id);
  return json_answer(std::move(shown));
}

// The call of task `key` ended with the JSON-RPC response `line`.
void call_done(registry_ptr self, const std::string& key, uint64_t ticket, const std::string& line,
               bool tool_error) {
  auto i = self->state.tasks.find(key);
  if (i == self->state.tasks.end() || i->second.seq != ticket || !i->second.call)
    return; // stopped meanwhile
  auto& task = i->second;
  self->demonitor(task.call);
  task.call = nullptr;
  auto response = json::parse(line, nullptr, false);
  task.bytes = line.size();
  if (response.is_object() && response.contains("result")) {
    task.result = std::move(response["result"]);
    count_end(self, task, tool_error ? call_outcome::error : call_outcome::ok);
    // A tool error fails the task in 2025-11-25; the extension keeps "failed" for JSON-RPC errors.
    auto status = tool_error && !task.modern ? task_status::failed : task_status::completed;
    set_status(self, task, status, tool_error ? "the tool reported an error" : "");
  } else {
    task.error = response.is_object() && response.contains("error")
                   ? response["error"]
                   : json{{"code", jsonrpc::internal_error}, {"message", "the call gave no result"}};
    count_end(self, task, call_outcome::error);
    set_status(self, task, task_status::failed, task.error.value("message", ""));
  }
  answer_waiting(task);
}

// A line the task's call sent toward its client: progress becomes the status message and reaches
// the client if it asked for progress; anything else goes to the client as it is.
void call_notified(registry_ptr self, const std::string& key, outbound_line& line) {
  auto i = self->state.tasks.find(key);
  if (i == self->state.tasks.end() || mcp::is_terminal(i->second.view.status))
    return;
  auto& task = i->second;
  auto note = json::parse(line.text, nullptr, false);
  bool progress = note.is_object() && note.value("method", "") == "notifications/progress";
  if (progress) {
    const auto& params = note["params"];
    if (params.contains("message") && params["message"].is_string()) {
      task.view.status_message = params["message"].get<std::string>();
      task.view.updated_at = std::chrono::system_clock::now();
    }
    if (task.client_progress_token.is_null())
      return;
  }
  if (task.writer && !task.modern)
    self->send(task.writer, write_atom::value, std::move(line));
}

void call_died(registry_ptr self, const caf::down_msg& msg) {
  for (auto& [id, task] : self->state.tasks) {
    if (!task.call || task.call.address() != msg.source)
      continue;
    task.call = nullptr;
    task.error = {{"code", jsonrpc::internal_error},
                  {"message", "internal error: the tool " + task.tool + " stopped unexpectedly"}};
    count_end(self, task, call_outcome::error);
    set_status(self, task, task_status::failed, task.error["message"].get<std::string>());
    answer_waiting(task);
    return;
  }
}

// A task's call asks the client something (sampling): through its owner's bridge, tied to the task.
caf::result<json> ask_client(registry_ptr self, const std::string& method, json& params) {
  auto sender = self->current_sender();
  for (auto& [id, task] : self->state.tasks) {
    if (!task.call || task.call.address() != sender)
      continue;
    if (!task.bridge)
      return make_error(errc::model_failed,
                        "the task cannot ask the client (" + method
                          + "): its connection is gone");
    params["_meta"][mcp::related_task_key] = {{"taskId", id}};
    auto rp = self->make_response_promise<json>();
    return rp.delegate(task.bridge, client_req_atom::value, method, std::move(params));
  }
  return make_error(errc::internal, "a request from a call that is no task's");
}

json get(const entry& task, bool modern) {
  auto out = mcp::task_json(task.view, modern);
  if (!modern || !mcp::is_terminal(task.view.status))
    return out;
  if (!task.error.is_null()) {
    out["error"] = task.error;
  } else if (task.view.status == task_status::completed) {
    auto result = task.result;
    result.erase("resultType");
    out["result"] = std::move(result);
  }
  return out;
}

caf::result<json> list(registry_ptr self, const std::string& owner, const std::string& cursor) {
  uint64_t from = 0;
  if (!cursor.empty()) {
    try {
      size_t used = 0;
      from = std::stoull(cursor, &used);
      if (used != cursor.size())
        throw std::invalid_argument{cursor};
    } catch (const std::exception&) {
      return make_error(errc::invalid_arguments, "invalid cursor \"" + cursor + "\"");
    }
  }
  std::vector<const entry*> mine;
  for (const auto& [id, task] : self->state.tasks)
    if (task.owner == owner && task.seq >= from)
      mine.push_back(&task);
  std::sort(mine.begin(), mine.end(), [](auto a, auto b) { return a->seq < b->seq; });
  json out{{"tasks", json::array()}};
  for (size_t i = 0; i < mine.size() && i < list_page; ++i)
    out["tasks"].push_back(mcp::task_json(mine[i]->view, false));
  if (mine.size() > list_page)
    out["nextCursor"] = std::to_string(mine[list_page]->seq);
  return json_answer(std::move(out));
}

caf::result<json> cancel(registry_ptr self, const std::string& owner, const std::string& id,
                         bool modern) {
  auto* task = find_task(self, owner, id);
  if (task == nullptr)
    return unknown_task(id);
  if (mcp::is_terminal(task->view.status)) {
    if (modern)
      return json_answer(json::object()); // cancelling a finished task changes nothing
    return make_error(errc::invalid_arguments,
                      std::string{"Cannot cancel task: already in terminal status '"}
                        + mcp::to_string(task->view.status) + "'");
  }
  tagged_logger(log_tag{owner, {}})->info("task {} ({}) cancelled by the client", id, task->tool);
  stop_task(self, *task, "cancelled by the client");
  return json_answer(modern ? json::object() : mcp::task_json(task->view, false));
}

// Forgets tasks: the ones `select` picks stop first (answering whoever waits).
template <class Select>
void drop_tasks(registry_ptr self, Select select, const std::string& why) {
  auto& tasks = self->state.tasks;
  for (auto i = tasks.begin(); i != tasks.end();) {
    if (!select(i->second)) {
      ++i;
      continue;
    }
    stop_task(self, i->second, why);
    i = tasks.erase(i);
  }
}

} // namespace

task_registry_state::~task_registry_state() {
  for (auto& [id, task] : tasks) {
    if (task.call)
      caf::anon_send_exit(task.call, caf::exit_reason::user_shutdown);
    for (auto& promise : task.waiting)
      promise.deliver(make_error(errc::shutting_down, "the server's task registry stopped"));
  }
}

caf::behavior task_registry_actor(caf::stateful_actor<task_registry_state>* self,
                                  task_registry_config config) {
  log_unexpected_messages(self);
  self->state.config = config;
  self->set_down_handler([=](const caf::down_msg& msg) { call_died(self, msg); });
  return {
    [=](task_create_atom, task_order& order) { return create(self, order); },
    [=](task_get_atom, const std::string& owner, const std::string& id,
        bool modern) -> caf::result<json> {
      const auto* task = find_task(self, owner, id);
      if (task == nullptr)
        return unknown_task(id);
      return json_answer(get(*task, modern));
    },
    [=](task_result_atom, const std::string& owner, const std::string& id) -> caf::result<json> {
      auto* task = find_task(self, owner, id);
      if (task == nullptr)
        return unknown_task(id);
      auto promise = self->make_response_promise<json>();
      // A client whose connections drop may ask again and again: the oldest wait, most likely
      // abandoned, gives way.
      if (task->waiting.size() >= max_waiting) {
        task->waiting.front().deliver(make_error(
          errc::invalid_arguments, "a newer tasks/result for task " + id + " took this one's place"));
        task->waiting.erase(task->waiting.begin());
      }
      task->waiting.push_back(promise);
      if (mcp::is_terminal(task->view.status))
        answer_waiting(*task);
      return promise;
    },
    [=](task_list_atom, const std::string& owner, const std::string& cursor) {
      return list(self, owner, cursor);
    },
    [=](task_cancel_atom, const std::string& owner, const std::string& id, bool modern) {
      return cancel(self, owner, id, modern);
    },
    [=](task_update_atom, const std::string& owner, const std::string& id) -> caf::result<json> {
      if (find_task(self, owner, id) == nullptr)
        return unknown_task(id);
      return json_answer(json::object()); // no task of ours asks for input: nothing to take
    },
    [=](task_count_atom, const std::string& owner) {
      return static_cast<int32_t>(std::count_if(
        self->state.tasks.begin(), self->state.tasks.end(),
        [&](const auto& entry) { return entry.second.owner == owner; }));
    },
    [=](owner_gone_atom, const std::string& owner) {
      drop_tasks(
        self, [&](const entry& task) { return task.owner == owner; },
        "its client's MCP session ended");
    },
    [=](expire_atom, const std::string& id) {
      drop_tasks(
        self, [&](const entry& task) { return task.view.id == id; },
        "its ttl ran out before it finished");
    },
    [=](shutdown_atom) {
      for (auto& [id, task] : self->state.tasks)
        stop_task(self, task, "the server is shutting down");
    },
    [=](call_done_atom, const std::string& key, uint64_t ticket, std::string& line,
        bool tool_error) { call_done(self, key, ticket, line, tool_error); },
    [=](notify_atom, const std::string& key, outbound_line& line) {
      call_notified(self, key, line);
    },
    [=](client_req_atom, const std::string& method, json& params) {
      return ask_client(self, method, params);
    },
  };
}

} // namespace cua
