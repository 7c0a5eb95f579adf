#include "mcp/task_view.hpp"

#include "mcp/protocol.hpp"
#include "util/clock_text.hpp"

namespace cua::mcp {

using nlohmann::json;

const char* to_string(task_status status) {
  switch (status) {
    case task_status::working:
      return "working";
    case task_status::input_required:
      return "input_required";
    case task_status::completed:
      return "completed";
    case task_status::failed:
      return "failed";
    case task_status::cancelled:
      return "cancelled";
  }
  return "failed"; // not reached: the switch names every status
}

bool is_terminal(task_status status) {
  return status == task_status::completed || status == task_status::failed
         || status == task_status::cancelled;
}

json task_json(const task_view& task, bool modern) {
  json out{{"taskId", task.id},
           {"status", to_string(task.status)},
           {"createdAt", iso8601(task.created_at)},
           {"lastUpdatedAt", iso8601(task.updated_at)}};
  if (!task.status_message.empty())
    out["statusMessage"] = task.status_message;
  out[modern ? "ttlMs" : "ttl"] = task.ttl_ms;
  out[modern ? "pollIntervalMs" : "pollInterval"] = task.poll_ms;
  return out;
}

json create_task_result(const task_view& task, bool modern) {
  if (!modern) {
    auto out = json::object();
    out["task"] = task_json(task, false);
    return out;
  }
  auto out = complete_result(task_json(task, true), false);
  out["resultType"] = "task";
  return out;
}

task_request read_task_request(const json& params) {
  task_request out;
  auto i = params.is_object() ? params.find("task") : params.end();
  if (!params.is_object() || i == params.end() || i->is_null())
    return out;
  out.wanted = true;
  if (!i->is_object()) {
    out.problem = "params.task must be an object, e.g. {\"ttl\": 600000}";
    return out;
  }
  if (auto ttl = i->find("ttl"); ttl != i->end() && !ttl->is_null()) {
    if (!ttl->is_number_integer() || ttl->get<int64_t>() <= 0)
      out.problem = "params.task.ttl must be a positive whole number of milliseconds";
    else
      out.ttl_ms = ttl->get<int64_t>();
  }
  return out;
}

bool declares_tasks_extension(const json& params) {
  if (!params.is_object() || !params.contains("_meta") || !params["_meta"].is_object())
    return false;
  const auto& meta = params["_meta"];
  auto caps = meta.find(meta_key::client_capabilities);
  if (caps == meta.end() || !caps->is_object())
    return false;
  auto extensions = caps->find("extensions");
  return extensions != caps->end() && extensions->is_object()
         && extensions->contains(tasks_extension);
}

json tasks_extension_required() {
  return {{"requiredCapabilities", {{"extensions", {{tasks_extension, json::object()}}}}}};
}

} // namespace cua::mcp
