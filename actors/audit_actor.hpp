#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/audit_messages.hpp"
#include "util/line_log.hpp"

namespace cua {

struct audit_config {
  std::string path;
  uint64_t max_bytes = 100ull << 20; // --audit-max-mb: then the file is rotated
  bool redact_text = false;          // --audit-redact-text: typed text by its length only
};

struct audit_state {
  audit_config config;
  std::unique_ptr<line_log> file;
  bool failing = false; // a write failed: said once, not for every record

  static inline const char* name = "audit";
};

/// Writes the audit log (--audit-log): each record as one JSON line the moment it comes, so that
/// nothing recorded is lost to a signal; with redact_text, a record's typed text ("text" of its
/// arguments) becomes its length. Spawn it detached: it writes a file.
audit_api::behavior_type audit_actor(audit_api::stateful_pointer<audit_state> self,
                                     audit_config config);

} // namespace cua
