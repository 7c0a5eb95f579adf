#pragma once

#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/json_payload.hpp"

namespace cua {

/// Where every tool call and every action of the nested agent is recorded (--audit-log,
/// actors/audit_actor.hpp): (audit, record) writes the record (a JSON object) as one line at once;
/// a request of (flush) is answered once everything sent before it is written.
using audit_api = caf::typed_actor<caf::reacts_to<audit_atom, nlohmann::json>,
                                   caf::replies_to<flush_atom>::with<bool>>;

} // namespace cua
