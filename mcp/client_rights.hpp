#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

namespace cua {

/// What an operator lets one client do (--tools, --read-only; over HTTP, per token with
/// --token-file), and the label that names the client in logs and the audit.
struct client_rights {
  std::string label = "stdio";
  std::optional<std::set<std::string>> tools; // none: every tool
  bool read_only = false; // screens may be looked at, not acted on
  int32_t max_sessions = 0; // 0: the server's per-client limit
  /// Where these rights come from, for refusals to name: "--read-only", "--tools", or the token's
  /// line of --token-file.
  std::string tools_source = "--tools";
  std::string read_only_source = "--read-only";

  /// Whether tool `name` is offered at all (tools/list shows it; tools/call knows it).
  bool offers(const std::string& name) const { return !tools || tools->count(name) > 0; }

  /// Returns why a tool that acts on screens as a whole (the agent's tools) is refused, or "".
  std::string refusal_of_acting_tool(const std::string& name) const;

  /// Returns why computer action `action` (by its name) is refused, or "": read-only clients may
  /// take screenshots and ask where the cursor is, nothing else.
  std::string refusal_of_action(const std::string& action) const;
};

} // namespace cua
