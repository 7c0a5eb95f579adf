#include "view/view_hub_actor.hpp"

#include <algorithm>
#include <cmath>

#include <caf/sec.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "computers/action_parsing.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "util/clock_text.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

namespace {

using nlohmann::json;
using hub_ptr = caf::stateful_actor<view_hub_state>*;

constexpr const char* json_type = "application/json";
constexpr auto tick_interval = std::chrono::seconds(1);
constexpr int64_t keepalive_ticks = 15; // an SSE comment on quiet streams, to find dead peers
constexpr auto watch_linger = std::chrono::seconds(10); // a picture kept for a page that asks again
const std::string operator_name = "an operator";

void reply(const exchange_ptr& exchange, int status, const json& body) {
  exchange->respond(status, json_type, body.dump(), {{"Cache-Control", "no-store"}});
}

void refuse(const exchange_ptr& exchange, int status, const std::string& text) {
  reply(exchange, status, json{{"error", text}});
}

// The HTTP status that says what went wrong with a session's answer.
int status_for(const caf::error& err) {
  if (err == errc::unknown_session)
    return 404;
  if (err == errc::invalid_action)
    return 400;
  if (err == errc::invalid_arguments || err == errc::session_closing || err == errc::computer_failed
      || err == errc::session_paused)
    return 409; // the session is not in a state for it (not paused; no computer; closing)
  if (err == errc::computer_timeout || err == caf::sec::request_timeout)
    return 504;
  return 500;
}

std::string client_label(const std::string& client) {
  if (client.empty())
    return "stdio";
  if (client == "stateless")
    return "stateless";
  return "http " + client.substr(0, 8);
}

json session_json(const std::string& key, const session_info& info) {
  return {{"key", key},
          {"id", info.id},
          {"client", client_label(info.client)},
          {"status", to_string(info.status)},
          {"backend", info.backend},
          {"computer", info.computer_id},
          {"paused", info.paused},
          {"task", info.task},
          {"progress", info.progress},
          {"model_text", info.model_text},
          {"idle_s", info.idle_ms / 1000},
          {"active_tasks", info.active_tasks},
          {"ephemeral", info.ephemeral},
          {"created_at", info.created_at},
          {"image_width", info.image_width},
          {"image_height", info.image_height}};
}

json pool_json(const pool_stats& pool) {
  return {{"size", pool.size},           {"warm", pool.warm},
          {"in_use", pool.in_use},       {"idle", pool.idle},
          {"starting", pool.starting},   {"waiting", pool.waiting},
          {"unavailable", pool.unavailable}, {"created", pool.created},
          {"failed", pool.failed},       {"isolation", pool.isolation},
          {"hosts", pool.hosts.size()}};
}

void start_ticking(hub_ptr self) {
  auto& st = self->state;
  if (st.ticking)
    return;
  st.ticking = true;
  self->delayed_send(self, tick_interval, tick_atom::value);
}

// Sends the overview to every open page, if it changed.
void publish(hub_ptr self, const stats_report& report) {
  auto& st = self->state;
  json sessions = json::array();
  std::map<std::string, view_hub_state::session_ref> seen;
  for (const auto& info : report.sessions) {
    auto ref = std::make_pair(info.client, info.id);
    auto found = st.key_of.find(ref);
    if (found == st.key_of.end())
      found = st.key_of.emplace(ref, "s" + std::to_string(st.next_key++)).first;
    seen.emplace(found->second, view_hub_state::session_ref{info.client, info.id});
    sessions.push_back(session_json(found->second, info));
  }
  // Sessions that ended: their keys go, and so do the pages' waits for their screens.
  for (auto i = st.key_of.begin(); i != st.key_of.end();) {
    if (seen.count(i->second) > 0) {
      ++i;
      continue;
    }
    if (auto w = st.watches.find(i->second); w != st.watches.end()) {
      for (auto& waiter : w->second.waiters)
        refuse(waiter.exchange, 404, "the session has ended");
      st.watches.erase(w);
    }
    i = st.key_of.erase(i);
  }
  st.sessions = std::move(seen);
  json overview{{"read_only", st.config.read_only},
                {"sessions", std::move(sessions)},
                {"pool", pool_json(report.pool)},
                {"server_sessions", report.server_sessions},
                {"max_sessions", report.max_sessions}};
  auto text = overview.dump();
  if (text == st.snapshot)
    return;
  st.snapshot = std::move(text);
  for (auto& [id, stream] : st.streams)
    stream->send_event(st.snapshot);
}

// Asks the supervisor for every session, then publishes; one request at a time.
void refresh(hub_ptr self) {
  auto& st = self->state;
  if (st.overview_out) {
    st.overview_again = true;
    return;
  }
  st.overview_out = true;
  self->request(st.supervisor, st.config.action_timeout, overview_atom::value)
    .then(
      [=](const stats_report& report) {
        auto& st = self->state;
        st.overview_out = false;
        publish(self, report);
        if (std::exchange(st.overview_again, false))
          refresh(self);
      },
      [=](caf::error& err) {
        self->state.overview_out = false;
        spdlog::debug("live view: no overview from the supervisor: {}", describe(err));
      });
}

// Answers the waiters of `key` that have an older picture than the one there now.
void deliver(hub_ptr self, const std::string& key) {
  auto& w = self->state.watches[key];
  auto still = std::vector<view_hub_state::frame_waiter>{};
  for (auto& waiter : w.waiters) {
    if (waiter.after >= w.picture || w.jpeg.empty()) {
      still.push_back(std::move(waiter));
      continue;
    }
    waiter.exchange->respond(200, "image/jpeg", w.jpeg,
                             {{"Cache-Control", "no-store"},
                              {"X-Frame", std::to_string(w.picture)},
                              {"X-Image-Width", std::to_string(w.width)},
                              {"X-Image-Height", std::to_string(w.height)}});
  }
  w.waiters = std::move(still);
}

void ask_frame(hub_ptr self, const std::string& key);

// Asks again once the frame rate allows it, while someone still waits.
void ask_later(hub_ptr self, const std::string& key, caf::timespan delay) {
  auto& w = self->state.watches[key];
  if (w.scheduled || w.waiters.empty())
    return;
  w.scheduled = true;
  self->delayed_send(self, delay, frame_atom::value, key);
}

caf::timespan frame_interval(const view_config& config) {
  return std::chrono::duration_cast<caf::timespan>(
    std::chrono::duration<double>(1.0 / std::max(0.1, config.fps)));
}

void ask_frame(hub_ptr self, const std::string& key) {
  auto& st = self->state;
  auto found = st.watches.find(key);
  if (found == st.watches.end())
    return;
  auto& w = found->second;
  if (w.asking || w.waiters.empty())
    return;
  auto interval = frame_interval(st.config);
  auto now = self->clock().now();
  if (w.picture != 0 && now - w.last_asked < interval)
    return ask_later(self, key, interval - (now - w.last_asked));
  auto session = st.sessions.find(key);
  if (session == st.sessions.end())
    return;
  w.asking = true;
  w.last_asked = now;
  auto known = w.picture;
  auto done = [=](bool retry_soon) {
    auto i = self->state.watches.find(key);
    if (i == self->state.watches.end())
      return;
    i->second.asking = false;
    // A screen not yet there (the computer still starting) is asked for again more slowly.
    ask_later(self, key, retry_soon ? interval : std::chrono::seconds(1));
  };
  self->request(st.supervisor, st.config.action_timeout, find_atom::value, session->second.client,
                session->second.id)
    .then(
      [=](const session_api& handle) {
        self->request(handle, self->state.config.action_timeout, frame_atom::value, known)
          .then(
            [=](screen_frame& frame) {
              auto i = self->state.watches.find(key);
              if (i == self->state.watches.end())
                return;
              if (!frame.unchanged) {
                auto& w = i->second;
                w.picture = frame.change;
                w.jpeg.assign(frame.image.bytes.begin(), frame.image.bytes.end());
                w.width = frame.image.width;
                w.height = frame.image.height;
                deliver(self, key);
              }
              done(true);
            },
            [=](caf::error&) { done(false); });
      },
      [=](caf::error& err) {
        auto i = self->state.watches.find(key);
        if (i == self->state.watches.end())
          return;
        if (err == errc::unknown_session) {
          for (auto& waiter : i->second.waiters)
            refuse(waiter.exchange, 404, "the session has ended");
          self->state.watches.erase(i);
          return;
        }
        done(false);
      });
}

void on_frame_request(hub_ptr self, const std::string& key, const http_view_request& req) {
  auto& st = self->state;
  if (st.sessions.count(key) == 0)
    return refuse(req.exchange, 404, "no session \"" + key + "\" (it may have ended)");
  uint64_t after = 0;
  auto at = req.query.find("after=");
  if (at != std::string::npos)
    after = std::strtoull(req.query.c_str() + at + 6, nullptr, 10);
  auto& w = st.watches[key];
  w.last_wanted = self->clock().now();
  w.waiters.push_back({req.exchange, after, self->clock().now() + st.config.frame_wait});
  deliver(self, key);
  if (!w.waiters.empty()) {
    ask_frame(self, key);
    start_ticking(self);
  }
}

// What an operator asked of a session, until it is answered: the page's exchange, and what the
// audit log keeps of it.
struct operation {
  exchange_ptr exchange;
  std::string verb;
  std::string key;
  view_hub_state::session_ref ref; // empty while the key is not known
  json action;                     // "act": the computer action as the page sent it
  bool action_not_object = false;  // "act": the body is no JSON object (action: its size)
  caf::actor_clock::time_point started;
};

// The audit record of an operation that ended with `status` and `body`: what the operator did to
// whose session, and how it ended.
json audit_record(hub_ptr self, const operation& op, int status, const json& body) {
  json record{{"time", iso8601(std::chrono::system_clock::now())},
              {"kind", "operator_action"},
              {"client", "live view"},
              {"operation", op.verb}};
  if (op.ref.id.empty()) {
    record["session_key"] = op.key.substr(0, 64); // as the page sent it: any length
  } else {
    record["session"] = op.ref.id;
    record["session_client"] = client_label(op.ref.client);
  }
  if (!op.action.is_null())
    record["arguments"] = op.action;
  record["outcome"] = status == 200 ? "ok" : "error";
  if (status != 200) {
    record["status"] = status;
    record["error"] = body.value("error", "");
  }
  record["duration_ms"]
    = std::chrono::duration<double, std::milli>(self->clock().now() - op.started).count();
  return record;
}

// Answers the page, and writes the operation in the audit log (--audit-log) beside the clients'
// tool calls.
void finish(hub_ptr self, const operation& op, int status, json body) {
  // The record goes first: an operation the page saw answered is in the log's queue already.
  if (const auto& audit = self->state.audit)
    self->send(audit, audit_atom::value, audit_record(self, op, status, body));
  reply(op.exchange, status, body);
}

void fail(hub_ptr self, const operation& op, int status, const std::string& text) {
  finish(self, op, status, json{{"error", text}});
}

// Runs `then` with the session the operation is for, or answers why there is none.
void with_session(hub_ptr self, const operation& op, std::function<void(session_api)> then) {
  auto& st = self->state;
  self->request(st.supervisor, st.config.action_timeout, find_atom::value, op.ref.client, op.ref.id)
    .then([=](const session_api& session) { then(session); },
          [=](caf::error& err) { fail(self, op, status_for(err), describe(err)); });
}

// pause, resume, act, end-task, cleanup: what an operator does to a session.
void on_operation(hub_ptr self, const std::string& key, const std::string& verb,
                  const http_view_request& req) {
  auto& st = self->state;
  operation op{req.exchange, verb, key, {}, nullptr, false, self->clock().now()};
  static const std::vector<std::string> verbs{"pause", "resume", "act", "end-task", "cleanup"};
  if (std::find(verbs.begin(), verbs.end(), verb) == verbs.end())
    return refuse(req.exchange, 404, "no such operation \"" + verb + "\"");
  if (verb == "act") {
    // Only an object is kept as the action's arguments, where --audit-redact-text finds its
    // text; anything else (a truncated body may hold typed text) is kept by its size.
    op.action = json::parse(req.body, nullptr, false);
    if (!op.action.is_object()) {
      op.action = json{{"body_bytes", req.body.size()}};
      op.action_not_object = true;
    }
  }
  if (auto i = st.sessions.find(key); i != st.sessions.end())
    op.ref = i->second;
  if (st.config.read_only)
    return fail(self, op, 403,
                "the live view is read-only (--view-read-only): it shows the sessions but takes "
                "no action");
  if (op.ref.id.empty())
    return fail(self, op, 404, "no session \"" + key + "\" (it may have ended)");
  auto timeout = st.config.action_timeout;
  auto failed = [=](caf::error& err) { fail(self, op, status_for(err), describe(err)); };
  if (verb == "pause" || verb == "resume") {
    bool pausing = verb == "pause";
    return with_session(self, op, [=](session_api session) {
      auto answer = [=](bool paused) {
        finish(self, op, 200, json{{"paused", paused}});
        refresh(self);
      };
      if (pausing)
        self->request(session, timeout, pause_atom::value, operator_name).then(answer, failed);
      else
        self->request(session, timeout, unpause_atom::value, operator_name).then(answer, failed);
    });
  }
  if (verb == "act") {
    if (op.action_not_object)
      return fail(self, op, 400,
                  "the body must be one computer action as JSON, e.g. {\"action\": "
                  "\"left_click\", \"coordinate\": [100, 200]}");
    auto action = parse_action(op.action);
    if (!action)
      return fail(self, op, 400, describe(action.error()));
    if (action->kind == action_kind::wait || action->kind == action_kind::screenshot)
      return fail(self, op, 400,
                  "the live view acts on the screen: wait and screenshot are not actions here "
                  "(the page shows the screen as it changes)");
    return with_session(self, op, [=](session_api session) {
      self->request(session, timeout, operate_atom::value, *action)
        .then(
          [=](const action_outcome& outcome) {
            finish(self, op, 200,
                   json{{"ok", true}, {"settled", outcome.settled}, {"settle_ms", outcome.settle_ms}});
          },
          failed);
    });
  }
  if (verb == "end-task")
    return with_session(self, op, [=](session_api session) {
      self->request(session, timeout, cancel_atom::value,
                    std::string{"ended by an operator in the live view"})
        .then(
          [=](int32_t count) {
            spdlog::info("live view: {} ended {} task(s) of session {}", operator_name, count,
                         key);
            finish(self, op, 200, json{{"cancelled", count}});
            refresh(self);
          },
          failed);
    });
  // cleanup
  spdlog::info("live view: {} cleans up session {} ({})", operator_name, op.ref.id,
               client_label(op.ref.client));
  self->request(st.supervisor, timeout, close_atom::value, op.ref.client, op.ref.id)
    .then(
      [=](const cleanup_report& report) {
        finish(self, op, 200,
               json{{"session_id", report.session_id},
                    {"cancelled_tasks", report.cancelled_tasks},
                    {"computer_returned", report.computer_returned}});
        refresh(self);
      },
      failed);
}

void on_request(hub_ptr self, const http_view_request& req) {
  auto& st = self->state;
  const std::string prefix = "/view/api/";
  auto route = req.path.substr(prefix.size());
  if (route == "status") {
    if (req.method != "GET")
      return refuse(req.exchange, 405, "use GET");
    return reply(req.exchange, 200,
                 json{{"server", "cua-mcp-server"},
                      {"read_only", st.config.read_only},
                      {"token_required", st.config.token_required},
                      {"fps", st.config.fps}});
  }
  if (route == "events") {
    if (req.method != "GET")
      return refuse(req.exchange, 405, "use GET");
    req.exchange->open_stream({});
    st.streams.emplace(req.exchange->id(), req.exchange);
    if (!st.snapshot.empty())
      req.exchange->send_event(st.snapshot);
    refresh(self);
    start_ticking(self);
    return;
  }
  // sessions/{key}/{verb}
  const std::string sessions = "sessions/";
  if (route.rfind(sessions, 0) == 0) {
    auto rest = route.substr(sessions.size());
    auto slash = rest.find('/');
    if (slash != std::string::npos && slash > 0) {
      auto key = rest.substr(0, slash);
      auto verb = rest.substr(slash + 1);
      if (verb == "frame") {
        if (req.method != "GET")
          return refuse(req.exchange, 405, "use GET");
        return on_frame_request(self, key, req);
      }
      if (req.method != "POST")
        return refuse(req.exchange, 405, "use POST");
      return on_operation(self, key, verb, req);
    }
  }
  refuse(req.exchange, 404, "no such route of the live view's API: " + req.path);
}

void on_tick(hub_ptr self) {
  auto& st = self->state;
  ++st.ticks;
  auto now = self->clock().now();
  for (auto i = st.watches.begin(); i != st.watches.end();) {
    auto& w = i->second;
    auto still = std::vector<view_hub_state::frame_waiter>{};
    for (auto& waiter : w.waiters)
      if (waiter.deadline <= now)
        waiter.exchange->respond(204, "", "", {{"Cache-Control", "no-store"}});
      else
        still.push_back(std::move(waiter));
    w.waiters = std::move(still);
    // Nobody has looked for a while: its picture is let go, and nothing more is asked.
    if (w.waiters.empty() && !w.asking && now - w.last_wanted > watch_linger)
      i = st.watches.erase(i);
    else
      ++i;
  }
  if (!st.streams.empty()) {
    refresh(self);
    if (st.ticks % keepalive_ticks == 0)
      for (auto& [id, stream] : st.streams)
        stream->send_comment("keepalive");
  }
  st.ticking = !st.streams.empty() || !st.watches.empty();
  if (st.ticking)
    self->delayed_send(self, tick_interval, tick_atom::value);
}

} // namespace

caf::behavior view_hub_actor(caf::stateful_actor<view_hub_state>* self, supervisor_api supervisor,
                             view_config config, audit_api audit) {
  log_unexpected_messages(self);
  self->state.supervisor = std::move(supervisor);
  self->state.config = config;
  self->state.audit = std::move(audit);
  return {
    [=](view_atom, const http_view_request& req) { on_request(self, req); },
    [=](hangup_atom, uint64_t exchange) {
      auto& st = self->state;
      st.streams.erase(exchange);
      for (auto& [key, w] : st.watches)
        w.waiters.erase(std::remove_if(w.waiters.begin(), w.waiters.end(),
                                       [&](const auto& waiter) {
                                         return waiter.exchange->id() == exchange;
                                       }),
                        w.waiters.end());
    },
    [=](tick_atom) { on_tick(self); },
    [=](frame_atom, const std::string& key) {
      auto i = self->state.watches.find(key);
      if (i == self->state.watches.end())
        return;
      i->second.scheduled = false;
      ask_frame(self, key);
    },
  };
}

} // namespace cua
