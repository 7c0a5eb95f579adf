#pragma once

#include <memory>
#include <string>
#include <vector>

#include "computers/backend_options.hpp"
#include "computers/computer.hpp"

namespace cua {

/// Returns a computer that is a Cua computer-server elsewhere (a Cua container, VM or cloud
/// sandbox), driven through its WebSocket (see cua_channel). `id` is one of cua_computer_ids():
/// each URL of `options` is one computer, which the pool hands to one session at a time.
/// Its reset runs the configured reset command, if any; without one, what a session left on the
/// remote screen and disk is what the next session finds.
std::unique_ptr<computer> make_cua_computer(const std::string& id, const backend_options& options);

/// Returns the ids of the computers behind `options.cua_urls`, in order: "cua-1", "cua-2", ...
std::vector<std::string> cua_computer_ids(const backend_options& options);

} // namespace cua
