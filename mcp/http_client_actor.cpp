#include "mcp/http_client_actor.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/spawn_options.hpp>
#include <caf/system_messages.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "mcp/jsonrpc.hpp"
#include "mcp/protocol.hpp"
#include "mcp/tool.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "messages/outbound_line.hpp"
#include "util/ids.hpp"
#include "util/json_text.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

namespace {

using client_ptr = caf::stateful_actor<http_client_state>*;
using nlohmann::json;

constexpr const char* json_type = "application/json";

void touch(client_ptr self) {
  self->state.last_activity = self->clock().now();
}

void end(client_ptr self, const std::string& reason);

// Forgets an answered (or abandoned) POST; a stateless client ends with its POST.
void forget_post(client_ptr self, uint64_t id, const char* why) {
  auto& st = self->state;
  auto i = st.posts.find(id);
  if (i == st.posts.end())
    return;
  touch(self); // the idle time counts from the last answer
  for (const auto& key : i->second.unanswered)
    st.post_of_request.erase(key);
  for (const auto& token : i->second.progress_tokens)
    if (auto t = st.post_of_token.find(token); t != st.post_of_token.end() && t->second == id)
      st.post_of_token.erase(t);
  st.posts.erase(i);
  if (st.config.stateless && st.posts.empty())
    end(self, why);
}

void send_on_post(http_client_state::pending_post& post, const std::string& line) {
  if (!post.streaming) {
    post.exchange->open_stream();
    post.streaming = true;
  }
  post.exchange->send_event(line);
}

// A response (or a batch's array of them) ends the POST that asked, once nothing of it is left.
void route_response(client_ptr self, const outbound_line& line) {
  auto& st = self->state;
  auto keys = line.answers;
  uint64_t owner = 0;
  for (const auto& key : keys)
    if (auto i = st.post_of_request.find(key); i != st.post_of_request.end()) {
      owner = i->second;
      break;
    }
  // A refused batch (arrays are for protocol 2025-03-26 only) is answered with one error whose id
  // is null: it ends the batch's POST.
  bool refusal = keys.size() == 1 && keys[0] == "null" && owner == 0;
  if (refusal)
    for (auto& [id, p] : st.posts)
      if (p.batch) {
        owner = id;
        break;
      }
  auto post = st.posts.find(owner);
  if (post == st.posts.end()) {
    st.log->debug("client {}: a response nobody waits for any more was dropped",
                  st.config.client_id);
    return;
  }
  auto& p = post->second;
  if (refusal)
    keys.assign(p.unanswered.begin(), p.unanswered.end());
  for (const auto& key : keys) {
    p.unanswered.erase(key);
    st.post_of_request.erase(key);
  }
  if (!p.unanswered.empty()) {
    send_on_post(p, line.text);
    return;
  }
  if (p.streaming) {
    p.exchange->send_event(line.text);
    p.exchange->finish();
  } else {
    auto status = 200;
    // The stateless revision gives its refusals HTTP statuses of their own (400, 404).
    if (st.config.stateless && line.error_code != 0)
      status = mcp::http_status_for(line.error_code);
    p.exchange->respond(status, json_type, line.text);
  }
  forget_post(self, owner, "answered");
}

// Anything else the server says (log messages, its own requests) goes to a GET stream, or to the
// newest open POST when the client has none.
void route_other(client_ptr self, const std::string& line) {
  auto& st = self->state;
  if (!st.streams.empty()) {
    st.streams.begin()->second->send_event(line);
    return;
  }
  if (!st.posts.empty()) {
    send_on_post(st.posts.rbegin()->second, line);
    return;
  }
  st.log->debug("client {}: no open stream for a server message; dropped", st.config.client_id);
}

// Routes by what the bridge said of the line; the text itself is not read again.
void route(client_ptr self, const outbound_line& line) {
  auto& st = self->state;
  if (!line.answers.empty())
    return route_response(self, line);
  if (!line.progress_token.empty()) {
    if (auto i = st.post_of_token.find(line.progress_token); i != st.post_of_token.end())
      send_on_post(st.posts.at(i->second), line.text);
    return; // else its request has been answered or cancelled
  }
  route_other(self, line.text);
}

json error_body(int code, const std::string& text) {
  return jsonrpc::make_error(nullptr, code, text);
}

// A stateless request's MCP headers must mirror its body; returns whether they do (else the
// POST has been refused).
bool headers_mirror_body(const tool_catalog* tools, http_post& post) {
  const auto& request = post.message;
  if (!request.is_object())
    return true; // the bridge says what is wrong with it
  auto header = [&](std::string name) -> std::optional<std::string> {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    for (const auto& [key, value] : post.mcp_headers) // names in lower case already
      if (key == name)
        return value;
    return std::nullopt;
  };
  json schema;
  if (request.value("method", "") == "tools/call" && request.contains("params")
      && request["params"].is_object() && request["params"].contains("name")
      && request["params"]["name"].is_string())
    if (const auto* tool = tools == nullptr ? nullptr
                                            : tools->find(request["params"]["name"].get<std::string>()))
      schema = tool->input_schema;
  auto problem = mcp::check_modern_headers(request, header, schema);
  if (!problem)
    return true;
  auto id = request.contains("id") ? request["id"] : json{};
  post.exchange->respond(mcp::http_status_for(problem->code), json_type,
                         json_text(jsonrpc::make_error(id, problem->code, problem->message)));
  return false;
}

void accept_post(client_ptr self, http_post& post) {
  auto& st = self->state;
  touch(self);
  if (post.request_keys.empty()) { // notifications and responses: the transport said 202
    self->send(st.bridge, message_atom::value, std::move(post.message));
    if (st.config.stateless)
      end(self, "nothing to answer");
    return;
  }
  if (st.config.stateless && !headers_mirror_body(st.tools, post)) {
    end(self, "refused");
    return;
  }
  for (const auto& key : post.request_keys)
    if (st.post_of_request.count(key) > 0) {
      post.exchange->respond(409, json_type,
                             error_body(jsonrpc::invalid_request,
                                        "request id " + key + " is already in use by a request in "
                                        "flight on this session")
                               .dump());
      return;
    }
  if (st.post_of_request.size() + post.request_keys.size()
      > static_cast<size_t>(st.config.max_pending)) {
    post.exchange->respond(429, json_type,
                           error_body(jsonrpc::invalid_request,
                                      "too many requests in flight on this session (at most "
                                        + std::to_string(st.config.max_pending)
                                        + "); wait for some to be answered")
                             .dump(),
                           {{"Retry-After", "1"}});
    return;
  }
  auto id = post.exchange->id();
  auto& pending = st.posts[id];
  pending.exchange = post.exchange;
  pending.batch = post.batch;
  for (const auto& key : post.request_keys) {
    pending.unanswered.insert(key);
    st.post_of_request[key] = id;
  }
  for (const auto& token : post.progress_tokens) {
    pending.progress_tokens.push_back(token);
    st.post_of_token[token] = id;
  }
  self->send(st.bridge, message_atom::value, std::move(post.message));
}

// The peer went away before its answers: what it asked is cancelled, as if it had said so.
void hang_up(client_ptr self, uint64_t exchange) {
  auto& st = self->state;
  touch(self);
  if (st.streams.erase(exchange) > 0)
    return;
  auto i = st.posts.find(exchange);
  if (i == st.posts.end())
    return;
  for (const auto& key : i->second.unanswered) {
    st.log->info("client {}: the connection of request {} closed; cancelling it",
                 st.config.client_id, key);
    self->send(st.bridge, cancel_atom::value, key);
  }
  forget_post(self, exchange, "its connection closed");
}

// The client's sessions are closed and its MCP tasks stopped: it has gone. A stateless client's
// are its principal's, which goes on.
void let_go_of_holdings(const http_client_state& st) {
  if (st.config.stateless)
    return;
  if (st.supervisor)
    caf::anon_send(st.supervisor, leave_atom::value, st.config.client_id);
  if (st.tasks)
    caf::anon_send(st.tasks, owner_gone_atom::value, st.config.client_id);
}

void end(client_ptr self, const std::string& reason) {
  auto& st = self->state;
  if (st.ended)
    return;
  st.ended = true;
  if (st.config.stateless)
    self->state.log->debug("stateless request of {} done ({})", st.config.client_id, reason);
  else
    self->state.log->info("client {} ended ({})", st.config.client_id, reason);
  for (auto& [id, post] : st.posts) {
    if (post.streaming)
      post.exchange->finish();
    else
      post.exchange->respond(404, json_type,
                             error_body(mcp::session_gone_code, "the session ended (" + reason + ")").dump());
  }
  st.posts.clear();
  for (auto& [id, stream] : st.streams)
    stream->finish();
  st.streams.clear();
  self->send(st.bridge, shutdown_atom::value);
  let_go_of_holdings(st);
  if (st.config.on_end)
    st.config.on_end(st.config.client_id);
  self->quit();
}

constexpr int64_t no_sessions = std::numeric_limits<int64_t>::max();

bool holds_exchanges(const http_client_state& st) {
  return !st.posts.empty() || !st.streams.empty();
}

caf::timespan tick_interval(const http_client_config& config) {
  return std::min({config.keepalive_interval, config.idle_timeout, config.empty_timeout});
}

// Runs `next` with how long (ms) all of this client's sessions have been idle: no_sessions when it
// has none, 0 when one runs a task or the supervisor did not answer in time.
void ask_sessions_idle(client_ptr self, std::function<void(int64_t)> next) {
  auto& st = self->state;
  if (!st.supervisor) {
    next(no_sessions);
    return;
  }
  self->request(st.supervisor, st.config.query_timeout, idle_atom::value,
                st.config.client_id)
    .then([=](int64_t idle) { next(idle); }, [=](caf::error&) { next(0); });
}

// As ask_sessions_idle, but a client that holds MCP tasks (running, or results kept for their
// ttl) is never idle: ending it would lose them.
void with_session_idle(client_ptr self, std::function<void(int64_t)> next) {
  auto& st = self->state;
  if (!st.tasks) {
    ask_sessions_idle(self, std::move(next));
    return;
  }
  self->request(st.tasks, st.config.query_timeout, task_count_atom::value, st.config.client_id)
    .then(
      [=](int32_t kept) {
        if (kept > 0)
          next(0);
        else
          ask_sessions_idle(self, next);
      },
      [=](caf::error&) { next(0); });
}

// A new client wants a slot: this one gives up its own if it holds nothing worth keeping.
void reclaim(client_ptr self, const slot_request_ptr& ask) {
  if (self->state.ended || holds_exchanges(self->state)) {
    ask->answer(false);
    return;
  }
  with_session_idle(self, [=](int64_t idle) {
    auto& st = self->state;
    auto bound = std::chrono::duration_cast<std::chrono::milliseconds>(st.config.reclaim_idle);
    bool idle_enough = idle == no_sessions || (bound.count() > 0 && idle >= bound.count());
    if (st.ended || holds_exchanges(st) || !idle_enough) {
      ask->answer(false);
      return;
    }
    end(self, "its slot went to a new client (--max-clients)");
    ask->answer(true); // after end(), which has told the transport that the slot is free
  });
}

void tick(client_ptr self) {
  auto& st = self->state;
  for (auto& [id, stream] : st.streams)
    stream->send_comment("keep-alive");
  for (auto& [id, post] : st.posts)
    if (post.streaming)
      post.exchange->send_comment("keep-alive");
  auto idle = self->clock().now() - st.last_activity;
  if (!holds_exchanges(st) && idle >= st.config.idle_timeout) {
    end(self, "idle");
    return;
  }
  if (!holds_exchanges(st) && idle >= st.config.empty_timeout && !st.asking_about_sessions) {
    st.asking_about_sessions = true;
    with_session_idle(self, [=](int64_t sessions_idle) {
      auto& st = self->state;
      st.asking_about_sessions = false;
      if (!st.ended && sessions_idle == no_sessions && !holds_exchanges(st)
          && self->clock().now() - st.last_activity >= st.config.empty_timeout)
        end(self, "idle, with no session, stream or request");
    });
  }
  self->delayed_send(self, tick_interval(st.config), tick_atom::value);
}

} // namespace

http_client_state::~http_client_state() {
  if (!ended) // stopped without end(): what it held goes all the same
    let_go_of_holdings(*this);
}

caf::behavior http_client_actor(caf::stateful_actor<http_client_state>* self,
                                http_client_config config, tool_services services,
                                bridge_config bridge) {
  log_unexpected_messages(self);
  auto& st = self->state;
  st.config = std::move(config);
  st.supervisor = services.supervisor;
  st.log = tagged_log{log_tag{st.config.client_id, {}}};
  services.client = st.config.client_id;
  // The supervisor names the client's sessions by its label (their tasks' audit records too),
  // and holds it to its token's session limit.
  if (st.supervisor)
    caf::anon_send(st.supervisor, rights_atom::value, st.config.client_id, services.rights->label,
                   services.rights->max_sessions);
  if (!st.config.stateless)
    st.log->info("client {} opened ({})", st.config.client_id, services.rights->label);
  if (services.default_session_id.empty() && !st.config.stateless)
    services.default_session_id = random_uuid();
  bridge.stateless = st.config.stateless;
  st.tools = bridge.tools;
  st.tasks = bridge.tasks;
  // Linked: neither outlives the other, however one of them ends.
  st.bridge = self->spawn<caf::linked>(bridge_actor, caf::actor{self}, std::move(services), bridge);
  self->monitor(st.bridge);
  self->set_down_handler([=](const caf::down_msg& msg) {
    if (msg.source == self->state.bridge.address())
      end(self, "its bridge stopped");
  });
  touch(self);
  if (!st.config.stateless)
    self->delayed_send(self, tick_interval(st.config), tick_atom::value);
  return {
    [=](post_atom, http_post& post) { accept_post(self, post); },
    [=](listen_atom, const exchange_ptr& stream) {
      touch(self);
      stream->open_stream();
      self->state.streams.emplace(stream->id(), stream);
    },
    [=](hangup_atom, uint64_t exchange) { hang_up(self, exchange); },
    [=](reclaim_atom, const slot_request_ptr& ask) { reclaim(self, ask); },
    [=](write_atom, const outbound_line& line) { route(self, line); },
    [=](log_atom, int32_t level, std::string& logger, std::string& text) {
      self->send(self->state.bridge, log_atom::value, level, std::move(logger), std::move(text));
    },
    [=](tick_atom) { tick(self); },
    [=](end_atom, const std::string& reason) { end(self, reason); },
  };
}

} // namespace cua
