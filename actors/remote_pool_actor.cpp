#include "actors/remote_pool_actor.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/system_messages.hpp>
#include <spdlog/spdlog.h>

#include "messages/errors.hpp"
#include "util/node_proof.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

namespace {

using remote_pool_ptr = pool_api::stateful_pointer<remote_pool_state>;
using host_entry = remote_pool_state::host_entry;

constexpr auto most_backoff = std::chrono::seconds(30);

void connect(remote_pool_ptr self, size_t index);
void serve_waiting(remote_pool_ptr self);

// The host is gone or refused us: try again after a backoff that doubles up to 30 s.
void lose(remote_pool_ptr self, size_t index, const std::string& why) {
  auto& st = self->state;
  auto& h = st.hosts[index];
  if (h.link == host_link::joined)
    spdlog::warn("computer host {} lost: {}", h.address.text(), why);
  else
    spdlog::warn("computer host {} not reached: {}", h.address.text(), why);
  h.link = host_link::down;
  h.host = host_api{};
  h.lender = lender_api{};
  h.last_error = why;
  h.in_use = 0; // its computers are gone with it (the host takes them back when we go away)
  for (auto i = st.on_loan.begin(); i != st.on_loan.end();)
    i = i->second.host == index ? st.on_loan.erase(i) : std::next(i);
  serve_waiting(self);
  if (st.closed)
    return;
  h.backoff = h.backoff.count() == 0 ? st.config.first_backoff
                                     : std::min<caf::timespan>(h.backoff * 2, most_backoff);
  self->delayed_send(self, h.backoff, probe_atom::value, h.address.text());
}

void join(remote_pool_ptr self, size_t index, host_api host) {
  auto& st = self->state;
  auto timeout = st.config.host_timeout;
  self->request(host, timeout, challenge_atom::value)
    .then(
      [=](const std::string& nonce) {
        auto& st = self->state;
        auto proof = node_proof(st.config.secret, nonce);
        self->request(host, timeout, join_atom::value, st.config.front_name, proof)
          .then(
            [=](int32_t capacity) {
              auto& h = self->state.hosts[index];
              h.link = host_link::joined;
              h.host = host;
              h.lender = host;
              h.capacity = capacity;
              h.backoff = {};
              h.last_error.clear();
              self->monitor(host);
              spdlog::info("computer host {} joined: {} computers", h.address.text(), capacity);
              serve_waiting(self);
            },
            [=](caf::error& err) { lose(self, index, describe(err)); });
      },
      [=](caf::error& err) { lose(self, index, describe(err)); });
}

void connect(remote_pool_ptr self, size_t index) {
  auto& st = self->state;
  auto& h = st.hosts[index];
  if (st.closed || h.link != host_link::down)
    return;
  h.link = host_link::connecting;
  auto mm = st.config.middleman ? st.config.middleman : self->system().middleman().actor_handle();
  self->request(mm, st.config.host_timeout, caf::connect_atom::value, h.address.host,
                h.address.port)
    .then(
      [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        if (!ptr)
          return lose(self, index, "nothing is published there");
        join(self, index, caf::actor_cast<host_api>(std::move(ptr)));
      },
      [=](caf::error& err) { lose(self, index, describe(err)); });
}

// The joined host with the most free room, or none if no joined host has any.
std::optional<size_t> place(const remote_pool_state& st) {
  std::optional<size_t> best;
  for (size_t i = 0; i < st.hosts.size(); ++i) {
    const auto& h = st.hosts[i];
    if (h.link != host_link::joined || h.in_use >= h.capacity)
      continue;
    if (!best || h.capacity - h.in_use > st.hosts[*best].capacity - st.hosts[*best].in_use)
      best = i;
  }
  return best;
}

std::string hosts_summary(const remote_pool_state& st) {
  std::string text;
  for (const auto& h : st.hosts)
    text += (text.empty() ? "" : "; ") + h.address.text() + ": "
            + (h.last_error.empty() ? std::string{"connecting"} : h.last_error);
  return text;
}

// Borrows a computer for `borrower` from the joined host at `index`; answers `rp`.
void borrow_from(remote_pool_ptr self, size_t index, caf::actor borrower,
                 caf::typed_response_promise<computer_lease> rp) {
  auto& st = self->state;
  auto& h = st.hosts[index];
  ++h.in_use;
  self->monitor(borrower);
  auto host = h.lender;
  auto where = h.address.text();
  self->request(host, st.config.acquire_timeout + st.config.host_timeout, acquire_atom::value)
    .then(
      [=](computer_lease& lease) mutable {
        auto& st = self->state;
        if (st.hosts[index].lender != host || st.closed) {
          // The host went away (or we are stopping) while the answer was on its way.
          self->send(host, release_atom::value, lease.computer);
          rp.deliver(make_error(errc::pool_timeout, "computer host " + where + " went away"));
          return;
        }
        lease.info.id = where + "/" + lease.info.id;
        remote_pool_state::loan loan;
        loan.host = index;
        loan.borrower = borrower.address();
        loan.computer = lease.computer;
        st.on_loan[lease.computer.address()] = std::move(loan);
        rp.deliver(std::move(lease));
      },
      [=](caf::error& err) mutable {
        auto& h = self->state.hosts[index];
        if (h.lender == host && h.in_use > 0)
          --h.in_use;
        serve_waiting(self);
        rp.deliver(make_error(err == errc::pool_timeout ? errc::pool_timeout : errc::computer_failed,
                              "computer host " + where + ": " + describe(err)));
      });
}

// Whether a host is joined or being connected to: then a computer may still come.
bool any_hope(const remote_pool_state& st) {
  return std::any_of(st.hosts.begin(), st.hosts.end(),
                     [](const host_entry& h) { return h.link != host_link::down; });
}

// Serves the queue in order while a joined host has room; refuses it all when no host is joined
// or being connected to.
void serve_waiting(remote_pool_ptr self) {
  auto& st = self->state;
  while (!st.waiting.empty()) {
    auto index = place(st);
    if (!index)
      break;
    auto next = std::move(st.waiting.front());
    st.waiting.pop_front();
    borrow_from(self, *index, next.borrower, next.promise);
  }
  if (st.waiting.empty() || any_hope(st))
    return;
  auto refused = std::move(st.waiting);
  st.waiting.clear();
  for (auto& w : refused)
    w.promise.deliver(make_error(errc::pool_timeout, "no computer host is reachable ("
                                                       + hosts_summary(st) + ")"));
}

// A queued acquisition's acquire_timeout is up.
void expire(remote_pool_ptr self, uint64_t ticket) {
  auto& st = self->state;
  auto i = std::find_if(st.waiting.begin(), st.waiting.end(),
                        [ticket](const auto& w) { return w.ticket == ticket; });
  if (i == st.waiting.end())
    return;
  int32_t capacity = 0;
  int32_t joined = 0;
  for (const auto& h : st.hosts)
    if (h.link == host_link::joined) {
      capacity += h.capacity;
      ++joined;
    }
  i->promise.deliver(pool_timeout_error(
    st.config.acquire_timeout,
    joined == 0 ? "no computer host has joined yet (" + hosts_summary(st) + ")"
                : "all " + std::to_string(capacity) + " computers of the " + std::to_string(joined)
                    + " joined host(s) are in use"));
  st.waiting.erase(i);
}

caf::result<computer_lease> lend(remote_pool_ptr self) {
  auto& st = self->state;
  if (st.closed)
    return make_error(errc::pool_closed, "the server is shutting down");
  auto borrower = caf::actor_cast<caf::actor>(self->current_sender());
  if (!borrower)
    return make_error(errc::internal, "an anonymous sender cannot borrow a computer");
  auto rp = self->make_response_promise<computer_lease>();
  if (!st.waiting.empty() || !place(st)) {
    if (!any_hope(st)) {
      rp.deliver(make_error(errc::pool_timeout,
                            "no computer host is reachable (" + hosts_summary(st) + ")"));
      return rp;
    }
    auto ticket = st.next_ticket++;
    st.waiting.push_back({ticket, borrower, rp});
    self->delayed_send(self, st.config.acquire_timeout, expire_atom::value, ticket);
    serve_waiting(self);
    return rp;
  }
  borrow_from(self, *place(st), borrower, rp);
  return rp;
}

void give_back(remote_pool_ptr self, const caf::actor_addr& computer) {
  auto& st = self->state;
  auto i = st.on_loan.find(computer);
  if (i == st.on_loan.end())
    return;
  auto& h = st.hosts[i->second.host];
  if (h.link == host_link::joined) {
    self->send(h.lender, release_atom::value, i->second.computer);
    --h.in_use;
  }
  st.on_loan.erase(i);
  serve_waiting(self);
}

void on_down(remote_pool_ptr self, const caf::down_msg& msg) {
  auto& st = self->state;
  for (size_t i = 0; i < st.hosts.size(); ++i)
    if (st.hosts[i].host && st.hosts[i].host.address() == msg.source)
      return lose(self, i, "its connection closed (" + describe(msg.reason) + ")");
  // A borrower stopped: its computers go back.
  std::vector<caf::actor_addr> theirs;
  for (auto& [computer, loan] : st.on_loan)
    if (loan.borrower == msg.source)
      theirs.push_back(computer);
  for (auto& computer : theirs)
    give_back(self, computer);
}

const char* to_string(host_link link) {
  switch (link) {
    case host_link::joined:
      return "joined";
    case host_link::connecting:
      return "connecting";
    case host_link::down:
      return "down";
  }
  return "down";
}

// The pools' figures added up over the joined hosts (each bounded by host_timeout), and each
// host's own.
caf::result<pool_stats> gather_stats(remote_pool_ptr self) {
  auto& st = self->state;
  auto rp = self->make_response_promise<pool_stats>();
  auto total = std::make_shared<pool_stats>();
  total->isolation = "computers on " + std::to_string(st.hosts.size()) + " host(s)";
  std::vector<size_t> joined;
  for (size_t i = 0; i < st.hosts.size(); ++i) {
    const auto& h = st.hosts[i];
    host_figures figures;
    figures.address = h.address.text();
    figures.state = to_string(h.link);
    figures.capacity = h.capacity;
    figures.in_use = h.in_use;
    figures.last_error = h.link == host_link::joined ? std::string{} : h.last_error;
    total->hosts.push_back(std::move(figures));
    if (h.link == host_link::joined)
      joined.push_back(i);
  }
  if (joined.empty()) {
    rp.deliver(*total);
    return rp;
  }
  auto pending = std::make_shared<size_t>(joined.size());
  auto one_done = [=]() mutable {
    if (--*pending == 0)
      rp.deliver(*total);
  };
  for (auto index : joined) {
    auto asked = self->clock().now();
    self->request(st.hosts[index].lender, st.config.host_timeout, stats_atom::value)
      .then(
        [=](const pool_stats& s) mutable {
          auto& figures = total->hosts[index];
          figures.round_trip_ms
            = std::chrono::duration<double, std::milli>(self->clock().now() - asked).count();
          figures.warm = s.idle;
          figures.failed = s.failed;
          total->size += s.size;
          total->warm += s.warm;
          total->in_use += s.in_use;
          total->idle += s.idle;
          total->starting += s.starting;
          total->waiting += s.waiting;
          total->unavailable += s.unavailable;
          total->created += s.created;
          total->destroyed += s.destroyed;
          total->failed += s.failed;
          total->timed_out += s.timed_out;
          if (!s.isolation.empty())
            total->isolation = s.isolation + " (on " + std::to_string(self->state.hosts.size())
                               + " host(s))";
          total->unconfined = total->unconfined || s.unconfined;
          one_done();
        },
        [=](caf::error& err) mutable {
          total->hosts[index].last_error = "no stats answer: " + describe(err);
          one_done();
        });
  }
  return rp;
}

} // namespace

pool_api::behavior_type remote_pool_actor(remote_pool_ptr self, remote_pool_config config) {
  log_unexpected_messages(self);
  auto& st = self->state;
  st.config = std::move(config);
  if (st.config.local_pool) {
    host_entry local;
    local.address = {"local", 0};
    local.local = true;
    local.link = host_link::joined;
    local.lender = st.config.local_pool;
    local.capacity = st.config.local_capacity;
    st.hosts.push_back(std::move(local));
    self->link_to(st.config.local_pool); // neither outlives the other
  }
  for (auto& address : st.config.hosts) {
    host_entry entry;
    entry.address = address;
    st.hosts.push_back(std::move(entry));
  }
  self->set_down_handler([=](const caf::down_msg& msg) { on_down(self, msg); });
  for (size_t i = 0; i < st.hosts.size(); ++i)
    connect(self, i);
  return {
    [=](acquire_atom) { return lend(self); },
    [=](release_atom, const computer_api& computer) { give_back(self, computer.address()); },
    [=](broken_atom, const computer_api& computer, const std::string& why) {
      auto& st = self->state;
      auto i = st.on_loan.find(computer.address());
      if (i == st.on_loan.end())
        return;
      auto& h = st.hosts[i->second.host];
      if (h.link == host_link::joined) {
        self->send(h.lender, broken_atom::value, computer, why);
        --h.in_use;
      }
      st.on_loan.erase(i);
      serve_waiting(self);
    },
    [=](stats_atom) { return gather_stats(self); },
    [=](shutdown_atom) -> caf::result<void> {
      auto& st = self->state;
      st.closed = true;
      for (auto& w : st.waiting)
        w.promise.deliver(make_error(errc::pool_closed, "the server is shutting down"));
      st.waiting.clear();
      for (auto& [computer, loan] : st.on_loan)
        if (st.hosts[loan.host].link == host_link::joined)
          self->send(st.hosts[loan.host].lender, release_atom::value, loan.computer);
      st.on_loan.clear();
      if (!st.config.local_pool) {
        self->quit();
        return caf::unit;
      }
      // The local computers are stopped before the answer (the caller bounds the wait).
      auto rp = self->make_response_promise();
      self->request(st.config.local_pool, caf::infinite, shutdown_atom::value)
        .then([=]() mutable {
                rp.deliver(caf::unit);
                self->quit();
              },
              [=](caf::error&) mutable {
                rp.deliver(caf::unit);
                self->quit();
              });
      return rp;
    },
    [=](expire_atom, uint64_t ticket) { expire(self, ticket); },
    [=](probe_atom, const std::string& address) {
      auto& st = self->state;
      for (size_t i = 0; i < st.hosts.size(); ++i)
        if (st.hosts[i].address.text() == address)
          connect(self, i);
    },
  };
}

} // namespace cua
