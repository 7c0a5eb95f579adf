#include "actors/supervisor_actor.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>
#include <caf/send.hpp>
#include <caf/spawn_options.hpp>
#include <caf/system_messages.hpp>
#include <spdlog/spdlog.h>

#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "util/ids.hpp"
#include "util/log_tag.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

namespace {

using supervisor_ptr = supervisor_api::stateful_pointer<supervisor_state>;

std::string way_out(const supervisor_state& st) {
  auto idle = std::chrono::duration_cast<std::chrono::seconds>(st.config.idle_timeout).count();
  return "; clean one up with cleanup_session, or wait until an idle session is reaped (after "
         + std::to_string(idle) + " s without use)";
}

int32_t per_client_limit(const supervisor_state& st) {
  auto limit = st.config.max_sessions_per_client;
  return limit > 0 ? std::min(limit, st.config.max_sessions) : st.config.max_sessions;
}

// A client's own limit (its token's), within the server's per-client one.
int32_t limit_of(const supervisor_state& st, const std::string& client) {
  auto i = st.clients.find(client);
  return i == st.clients.end() || i->second.max_sessions <= 0
           ? per_client_limit(st)
           : std::min(i->second.max_sessions, per_client_limit(st));
}

bool has_own_limit(const supervisor_state& st, const std::string& client) {
  auto i = st.clients.find(client);
  return i != st.clients.end() && i->second.max_sessions > 0;
}

// Returns the keys of `client`'s sessions (adjacent in the map, which orders by client first).
std::vector<session_key> keys_of(const supervisor_state& st, const std::string& client) {
  std::vector<session_key> keys;
  for (auto i = st.sessions.lower_bound(session_key{client, ""});
       i != st.sessions.end() && i->first.first == client; ++i)
    keys.push_back(i->first);
  return keys;
}

int64_t milliseconds(caf::timespan span) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(span).count();
}

bool server_full(const supervisor_state& st) {
  return static_cast<int32_t>(st.sessions.size()) >= st.config.max_sessions;
}

// Returns why `client` may not open another session, if it may not.
caf::error over_a_limit(const supervisor_state& st, const std::string& client) {
  if (server_full(st)) {
    auto evict = milliseconds(st.config.evict_idle) / 1000;
    return make_error(errc::session_limit_reached,
                      "the server already runs " + std::to_string(st.sessions.size())
                        + " sessions, its limit (--max-sessions "
                        + std::to_string(st.config.max_sessions) + "), and "
                        + (evict > 0 ? "none of another client has been idle for "
                                         + std::to_string(evict) + " s (--evict-idle)"
                                     : std::string{"idle sessions are not evicted (--evict-idle 0)"})
                        + way_out(st));
  }
  auto mine = static_cast<int32_t>(keys_of(st, client).size());
  if (mine >= limit_of(st, client))
    return make_error(errc::session_limit_reached,
                      "this client already has " + std::to_string(mine)
                        + " sessions, its limit ("
                        + (has_own_limit(st, client)
                             ? "max-sessions= of its token, --token-file "
                             : "--max-sessions-per-client ")
                        + std::to_string(limit_of(st, client)) + ")" + way_out(st));
  return {};
}

// Names a session in the log: its id, and its client when there can be several.
std::string log_name(const session_key& key) {
  return log_tag{key.first, key.second}.session_name();
}

// Returns a logger for records about a session, which its client may read.
std::shared_ptr<spdlog::logger> session_log(const session_key& key) {
  return tagged_logger(log_tag{key.first, key.second});
}

caf::expected<session_handle> open_session(supervisor_ptr self, const session_key& key,
                                           caf::actor_addr owner) {
  auto& st = self->state;
  const auto& id = key.second;
  if (st.shutting_down)
    return make_error(errc::shutting_down, "the server is shutting down");
  if (auto i = st.sessions.find(key); i != st.sessions.end())
    return session_handle{id, i->second.session, false};
  if (auto refusal = over_a_limit(st, key.first)) {
    ++st.refused;
    return refusal;
  }
  // Lazily: the session asks the pool for its computer only once it runs its first message, which
  // is hand_over's `ready`. Else a pool that refuses at once could end the session before `ready`
  // reaches it, and the caller would hear "stopped" instead of the reason.
  auto config = st.config.session;
  config.client = key.first;
  if (auto known = st.clients.find(key.first); known != st.clients.end())
    config.client_label = known->second.label;
  auto session = self->spawn<caf::lazy_init>(session_actor, id, st.pool, std::move(config),
                                             static_cast<bool>(owner));
  self->monitor(session);
  st.sessions.emplace(key, supervisor_state::entry{session, st.next_order++, owner});
  ++st.created;
  session_log(key)->info("session {} created ({} of {})", log_name(key), st.sessions.size(),
               st.config.max_sessions);
  return session_handle{id, session, true};
}

// Answers an open with `handle`. A new session is handed out once it has its computer, or the call
// that made it hears why it got none: a session the pool refuses ends, and a request sent to it
// after the open would only hear that it stopped.
void hand_over(supervisor_ptr self, session_handle handle,
               caf::typed_response_promise<session_handle> rp) {
  if (!handle.created) {
    rp.deliver(std::move(handle));
    return;
  }
  auto bound = self->state.config.session.acquire_timeout + std::chrono::seconds(5);
  self->request(handle.session, bound, ready_atom::value)
    .then([=](bool) mutable { rp.deliver(handle); },
          [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

// Closes `id`: the session cancels its tasks and returns its computer. Answers with what it did;
// a session that does not answer in time is killed (the pool then takes its computer back).
void close_session(supervisor_ptr self, const session_key& key, const std::string& reason,
                   std::function<void(cleanup_report)> done) {
  auto& st = self->state;
  auto i = st.sessions.find(key);
  if (i == st.sessions.end())
    return;
  auto session = i->second.session;
  st.sessions.erase(i);
  self->demonitor(session.address());
  self->request(session, st.config.close_timeout, close_atom::value, reason)
    .then([=](cleanup_report& report) { done(std::move(report)); },
          [=](caf::error& err) {
            session_log(key)->warn("session {} did not close cleanly ({}); stopping it", log_name(key),
                         describe(err));
            self->send_exit(session, caf::exit_reason::kill);
            cleanup_report report;
            report.session_id = key.second;
            report.reason = reason;
            done(std::move(report));
          });
}

// Forgets `key` once its session closed itself (reaped or evicted), unless the key already names
// a newer session.
void forget_closed(supervisor_ptr self, const session_key& key, const session_api& session) {
  auto& st = self->state;
  if (auto i = st.sessions.find(key); i != st.sessions.end() && i->second.session == session) {
    self->demonitor(session.address());
    st.sessions.erase(i);
  }
}

void reap(supervisor_ptr self) {
  auto& st = self->state;
  auto idle_limit
    = std::chrono::duration_cast<std::chrono::milliseconds>(st.config.idle_timeout).count();
  for (auto& [key, entry] : st.sessions) {
    auto session = entry.session;
    auto session_key = key;
    // The session itself decides, with what it knows now; it closes itself if it is idle.
    self->request(session, st.config.query_timeout, reap_atom::value,
                  static_cast<int64_t>(idle_limit), std::string{"idle"})
      .then(
        [=](bool closed) {
          if (!closed)
            return;
          forget_closed(self, session_key, session);
          ++self->state.reaped;
          session_log(session_key)->info("session {} reaped after {} s idle", log_name(session_key),
                       idle_limit / 1000);
        },
        [](caf::error&) {});
  }
  self->delayed_send(self, st.config.reap_interval, reap_atom::value);
}

using session_infos = std::vector<std::pair<session_key, std::optional<session_info>>>;

// Asks each of `keys` for its info, each bounded; runs `done` with every answer (none for a session
// that did not answer in time).
void gather_infos(supervisor_ptr self, const std::vector<session_key>& keys,
                  std::function<void(session_infos&)> done) {
  auto& st = self->state;
  auto infos = std::make_shared<session_infos>();
  if (keys.empty()) {
    done(*infos);
    return;
  }
  auto pending = std::make_shared<size_t>(keys.size());
  auto one_done = [=]() mutable {
    if (--*pending == 0)
      done(*infos);
  };
  for (const auto& key : keys)
    self->request(st.sessions.at(key).session, st.config.query_timeout, info_atom::value)
      .then([=](session_info& info) mutable {
              infos->emplace_back(key, std::move(info));
              one_done();
            },
            [=](caf::error&) mutable {
              infos->emplace_back(key, std::nullopt);
              one_done();
            });
}

// How long a session has been idle as far as eviction goes: not at all while it runs a task or
// does not answer.
int64_t idle_ms(const std::optional<session_info>& info) {
  return info && info->active_tasks == 0 ? info->idle_ms : 0;
}

// Returns how long all sessions of each client in `infos` have been idle.
std::map<std::string, int64_t> idle_by_client(const session_infos& infos) {
  std::map<std::string, int64_t> idle;
  for (const auto& [key, info] : infos) {
    auto [i, fresh] = idle.emplace(key.first, idle_ms(info));
    if (!fresh)
      i->second = std::min(i->second, idle_ms(info));
  }
  return idle;
}

// Remembers why `key` was evicted, for its client's next call with its id.
void note_eviction(supervisor_state& st, const session_key& key, std::string why) {
  constexpr size_t max_notes = 1024;
  if (st.eviction_notes.insert_or_assign(key, std::move(why)).second)
    st.eviction_order.push_back(key);
  while (st.eviction_order.size() > max_notes) {
    st.eviction_notes.erase(st.eviction_order.front());
    st.eviction_order.pop_front();
  }
}

// Opens `key` (once its computer is there) and answers `rp`; an ephemeral session's owner is
// watched, so that the session ends with it.
void open_and_hand_over(supervisor_ptr self, const session_key& key, const caf::actor& owner,
                        caf::typed_response_promise<session_handle> rp) {
  auto handle = open_session(self, key, owner ? owner.address() : caf::actor_addr{});
  if (!handle) {
    rp.deliver(handle.error());
    return;
  }
  if (owner && handle->created)
    self->monitor(owner);
  hand_over(self, std::move(*handle), rp);
}

// Makes room for `key` by closing the longest-idle session of another client whose sessions have
// all been idle for evict_idle, then opens `key` (or refuses it, if there was none). The session
// itself decides at the last moment, so a call that reached it since keeps it.
void evict_then_open(supervisor_ptr self, const session_key& key, const caf::actor& owner,
                     caf::typed_response_promise<session_handle> rp) {
  auto& st = self->state;
  std::vector<session_key> others;
  for (const auto& [other, entry] : st.sessions)
    if (other.first != key.first)
      others.push_back(other);
  gather_infos(self, others, [=](session_infos& infos) mutable {
    auto& st = self->state;
    auto bound = milliseconds(st.config.evict_idle);
    auto client_idle = idle_by_client(infos);
    const std::pair<session_key, std::optional<session_info>>* victim = nullptr;
    for (const auto& candidate : infos) {
      const auto& [other, info] = candidate;
      if (!info || info->ephemeral || idle_ms(info) < bound || client_idle[other.first] < bound
          || st.sessions.count(other) == 0)
        continue;
      if (victim == nullptr || info->idle_ms > victim->second->idle_ms)
        victim = &candidate;
    }
    if (victim == nullptr || !server_full(st)) {
      open_and_hand_over(self, key, owner, rp);
      return;
    }
    auto other = victim->first;
    auto victim_idle = victim->second->idle_ms;
    auto session = st.sessions.at(other).session;
    self->request(session, st.config.query_timeout, reap_atom::value, bound, std::string{"evicted"})
      .then(
        [=](bool closed) mutable {
          auto& st = self->state;
          if (closed) {
            forget_closed(self, other, session);
            ++st.evicted;
            auto idle_s = std::to_string(victim_idle / 1000);
            session_log(other)->info("session {} evicted after {} s idle: a new session needed its "
                                     "room (--max-sessions {})",
                                     log_name(other), idle_s, st.config.max_sessions);
            note_eviction(st, other,
                          "session \"" + other.second + "\" was closed to make room for a new "
                            "session: it had been idle for " + idle_s + " s (--evict-idle "
                            + std::to_string(bound / 1000) + ") while the server was at its limit "
                            "(--max-sessions " + std::to_string(st.config.max_sessions)
                            + "); call again to start a new session with this id");
          }
          open_and_hand_over(self, key, owner, rp);
        },
        [=](caf::error&) mutable { open_and_hand_over(self, key, owner, rp); });
  });
}

// Serves an open of `key`: the reason an evicted session ended, once; else the session, making
// room by eviction when the server is full.
caf::result<session_handle> open_or_evict(supervisor_ptr self, const session_key& key,
                                          const caf::actor& owner) {
  auto& st = self->state;
  auto rp = self->make_response_promise<session_handle>();
  if (auto note = st.eviction_notes.find(key); note != st.eviction_notes.end()) {
    auto why = note->second;
    st.eviction_notes.erase(note);
    st.eviction_order.erase(std::find(st.eviction_order.begin(), st.eviction_order.end(), key));
    rp.deliver(make_error(errc::session_evicted, why));
    return rp;
  }
  bool may_evict = !st.shutting_down && st.config.evict_idle.count() > 0
                   && st.sessions.count(key) == 0 && server_full(st)
                   && static_cast<int32_t>(keys_of(st, key.first).size()) < limit_of(st, key.first);
  if (may_evict)
    evict_then_open(self, key, owner, rp);
  else
    open_and_hand_over(self, key, owner, rp);
  return rp;
}

// Sends the pool query that those in next_pool_query wait for.
void query_pool(supervisor_ptr self) {
  auto& st = self->state;
  st.pool_query_out = true;
  auto waiting = std::make_shared<std::vector<supervisor_state::pool_waiter>>();
  waiting->swap(st.next_pool_query);
  auto done = [=](const std::optional<pool_stats>& figures) {
    for (auto& waiter : *waiting)
      waiter(figures);
    self->state.pool_query_out = false;
    if (!self->state.next_pool_query.empty())
      query_pool(self);
  };
  self->request(st.pool, st.config.query_timeout, stats_atom::value)
    .then([=](const pool_stats& figures) { done(figures); },
          [=](caf::error&) { done(std::nullopt); });
}

// Runs `waiter` with the pool's figures (none if the pool did not answer in time).
void with_pool_stats(supervisor_ptr self, supervisor_state::pool_waiter waiter) {
  auto& st = self->state;
  st.next_pool_query.push_back(std::move(waiter));
  if (!st.pool_query_out)
    query_pool(self);
}

// A session ended (it is forgotten), or the owner of ephemeral sessions did (they are closed).
void on_down(supervisor_ptr self, const caf::down_msg& msg) {
  auto& st = self->state;
  std::vector<session_key> orphaned;
  for (auto i = st.sessions.begin(); i != st.sessions.end();) {
    if (i->second.session.address() == msg.source) {
      session_log(i->first)->info("session {} ended", log_name(i->first));
      i = st.sessions.erase(i);
      continue;
    }
    if (i->second.owner == msg.source)
      orphaned.push_back(i->first);
    ++i;
  }
  for (auto& key : orphaned)
    close_session(self, key, "owner_gone", [](cleanup_report) {});
}

// The client has gone: its sessions are closed; returns how many.
int32_t close_client(supervisor_ptr self, const std::string& client) {
  auto& st = self->state;
  auto mine = keys_of(st, client);
  st.clients.erase(client);
  for (auto& key : mine)
    close_session(self, key, "client_gone", [](cleanup_report) {});
  // Nobody will come back for the notes on its evicted sessions.
  for (auto i = st.eviction_notes.lower_bound(session_key{client, ""});
       i != st.eviction_notes.end() && i->first.first == client;) {
    st.eviction_order.erase(
      std::find(st.eviction_order.begin(), st.eviction_order.end(), i->first));
    i = st.eviction_notes.erase(i);
  }
  if (!mine.empty())
    tagged_logger(log_tag{client, {}})
      ->info("client {} gone: {} of its sessions closed", client, mine.size());
  return static_cast<int32_t>(mine.size());
}

// The client's sessions (those that do not answer in time marked so) and the server's figures.
caf::result<stats_report> stats_of(supervisor_ptr self, std::vector<session_key> keys);

caf::result<stats_report> stats_for(supervisor_ptr self, const std::string& client) {
  return stats_of(self, keys_of(self->state, client));
}

// Every client's sessions (the live view's overview).
caf::result<stats_report> overview(supervisor_ptr self) {
  std::vector<session_key> keys;
  for (const auto& [key, entry] : self->state.sessions)
    keys.push_back(key);
  return stats_of(self, std::move(keys));
}

caf::result<stats_report> stats_of(supervisor_ptr self, std::vector<session_key> keys) {
  auto& st = self->state;
  auto rp = self->make_response_promise<stats_report>();
  auto report = std::make_shared<stats_report>();
  report->server_sessions = static_cast<int32_t>(st.sessions.size());
  report->max_sessions = st.config.max_sessions;
  report->max_sessions_per_client = per_client_limit(st);
  report->idle_timeout_s
    = std::chrono::duration_cast<std::chrono::seconds>(st.config.idle_timeout).count();
  report->sessions_created = st.created;
  report->sessions_reaped = st.reaped;
  report->sessions_refused = st.refused;
  report->sessions_evicted = st.evicted;
  report->evict_idle_s = milliseconds(st.config.evict_idle) / 1000;
  // One answer from the pool and one per session; each has its own bound.
  auto pending = std::make_shared<int>(2);
  auto one_done = [=]() mutable {
    if (--*pending > 0)
      return;
    std::sort(report->sessions.begin(), report->sessions.end(),
              [](const session_info& a, const session_info& b) {
                return a.created_at < b.created_at;
              });
    rp.deliver(std::move(*report));
  };
  with_pool_stats(self, [=](const std::optional<pool_stats>& pool) mutable {
    if (pool)
      report->pool = *pool;
    one_done();
  });
  gather_infos(self, keys, [=](session_infos& infos) mutable {
    for (auto& [key, info] : infos) {
      if (!info) {
        info.emplace();
        info->id = key.second;
        info->client = key.first;
        info->status = session_status::unresponsive;
      }
      report->sessions.push_back(std::move(*info));
    }
    one_done();
  });
  return rp;
}

// Closes every session, newest first, and ends once all are closed.
caf::result<void> shut_down(supervisor_ptr self) {
  auto& st = self->state;
  st.shutting_down = true;
  auto rp = self->make_response_promise();
  std::vector<std::pair<uint64_t, session_key>> order;
  for (auto& [key, entry] : st.sessions)
    order.emplace_back(entry.order, key);
  std::sort(order.rbegin(), order.rend()); // newest first
  if (order.empty()) {
    rp.deliver(caf::unit); // once a promise exists, a returned value is dropped
    self->quit();
    return rp;
  }
  auto pending = std::make_shared<size_t>(order.size());
  for (auto& [_, key] : order)
    close_session(self, key, "shutdown", [=](cleanup_report) mutable {
      if (--*pending == 0) {
        rp.deliver(caf::unit);
        self->quit();
      }
    });
  return rp;
}

} // namespace

supervisor_state::~supervisor_state() {
  for (auto& [key, entry] : sessions)
    caf::anon_send_exit(entry.session, caf::exit_reason::user_shutdown);
}

supervisor_api::behavior_type supervisor_actor(supervisor_ptr self,
                               supervisor_config config, pool_api pool) {
  log_unexpected_messages(self);
  self->state.config = std::move(config);
  self->state.pool = std::move(pool);
  self->set_down_handler([=](const caf::down_msg& msg) { on_down(self, msg); });
  self->delayed_send(self, self->state.config.reap_interval, reap_atom::value);
  return {
    [=](open_atom, const std::string& client, const std::string& id) -> caf::result<session_handle> {
      if (id.empty() || id.size() > 256)
        return make_error(errc::invalid_arguments,
                          "a session id must be between 1 and 256 characters long");
      return open_or_evict(self, {client, id}, caf::actor{});
    },
    [=](open_ephemeral_atom, const std::string& client) -> caf::result<session_handle> {
      auto owner = caf::actor_cast<caf::actor>(self->current_sender());
      if (!owner)
        return make_error(errc::internal, "an ephemeral session needs an owner");
      return open_or_evict(self, {client, random_uuid()}, owner);
    },
    [=](close_atom, const std::string& client, const std::string& id) -> caf::result<cleanup_report> {
      // Another client's session gets the same answer as one that does not exist.
      if (self->state.sessions.count({client, id}) == 0)
        return make_error(errc::unknown_session, "there is no session \"" + id + "\"");
      auto rp = self->make_response_promise<cleanup_report>();
      close_session(self, {client, id}, "requested", [=](cleanup_report report) mutable {
        rp.deliver(std::move(report));
      });
      return rp;
    },
    [=](leave_atom, const std::string& client) { return close_client(self, client); },
    [=](stats_atom, const std::string& client) { return stats_for(self, client); },
    [=](overview_atom) { return overview(self); },
    [=](rights_atom, const std::string& client, const std::string& label, int32_t limit) {
      self->state.clients[client] = supervisor_state::client_entry{label, limit};
    },
    [=](idle_atom, const std::string& client) -> caf::result<int64_t> {
      auto rp = self->make_response_promise<int64_t>();
      gather_infos(self, keys_of(self->state, client), [=](session_infos& infos) mutable {
        auto idle = idle_by_client(infos);
        rp.deliver(idle.empty() ? std::numeric_limits<int64_t>::max() : idle.begin()->second);
      });
      return rp;
    },
    [=](find_atom, const std::string& client, const std::string& id) -> caf::result<session_api> {
      auto i = self->state.sessions.find(session_key{client, id});
      if (i == self->state.sessions.end())
        return make_error(errc::unknown_session, "there is no session \"" + id + "\"");
      return i->second.session;
    },
    [=](reap_atom) { reap(self); },
    [=](shutdown_atom) { return shut_down(self); },
  };
}

} // namespace cua
