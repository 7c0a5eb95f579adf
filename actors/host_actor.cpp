#include "actors/host_actor.hpp"

#include <spdlog/spdlog.h>

#include "messages/errors.hpp"
#include "util/node_proof.hpp"
#include "util/unexpected_messages.hpp"

namespace cua {

namespace {

using host_ptr = host_api::stateful_pointer<host_state>;

caf::node_id sender_node(host_ptr self) {
  const auto& sender = self->current_sender();
  return sender ? sender->node() : caf::node_id{};
}

// Returns an error unless the sender's node has joined.
caf::error check_joined(host_ptr self) {
  if (self->state.joined.count(sender_node(self)) > 0)
    return {};
  return make_error(errc::internal, "this node has not joined the host (challenge, then join)");
}

int32_t join(host_ptr self, const std::string& front, const std::string& proof,
             caf::error& refusal) {
  auto& st = self->state;
  auto node = sender_node(self);
  auto nonce = st.nonces.find(node);
  bool proven = nonce != st.nonces.end()
                && (st.config.secret.empty()
                    || same_proof(proof, node_proof(st.config.secret, nonce->second)));
  if (nonce != st.nonces.end())
    st.nonces.erase(nonce); // one try per challenge
  if (!proven) {
    spdlog::warn("front {} ({}) refused: it does not know the node secret", front,
                 caf::to_string(node));
    refusal = make_error(errc::internal, "refused: wrong node secret (or no challenge first)");
    return 0;
  }
  st.joined[node] = front;
  spdlog::info("front {} ({}) joined", front, caf::to_string(node));
  return st.config.capacity;
}

} // namespace

host_api::behavior_type host_actor(host_ptr self, host_config config, pool_api pool) {
  log_unexpected_messages(self);
  self->state.config = std::move(config);
  self->state.pool = std::move(pool);
  return {
    [=](challenge_atom) -> std::string {
      auto nonce = new_nonce();
      self->state.nonces[sender_node(self)] = nonce;
      return nonce;
    },
    [=](join_atom, const std::string& front, const std::string& proof) -> caf::result<int32_t> {
      caf::error refusal;
      auto capacity = join(self, front, proof, refusal);
      if (refusal)
        return refusal;
      return capacity;
    },
    [=](acquire_atom) -> caf::result<computer_lease> {
      if (auto err = check_joined(self))
        return err;
      return self->delegate(self->state.pool, acquire_atom::value);
    },
    [=](release_atom, const computer_api& computer) {
      if (!check_joined(self))
        self->send(self->state.pool, release_atom::value, computer);
    },
    [=](broken_atom, const computer_api& computer, const std::string& why) {
      if (!check_joined(self))
        self->send(self->state.pool, broken_atom::value, computer, why);
    },
    [=](stats_atom) -> caf::result<pool_stats> {
      if (auto err = check_joined(self))
        return err;
      return self->delegate(self->state.pool, stats_atom::value);
    },
  };
}

} // namespace cua
