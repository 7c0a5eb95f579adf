#pragma once

#include <memory>
#include <string>

#include "computers/backend_options.hpp"
#include "computers/computer.hpp"

namespace cua {

/// Returns a simulated computer: an in-memory screen whose picture is a deterministic function of
/// the computer's id and of every action done on it, so tests can tell computers and their states
/// apart without an X server.
std::unique_ptr<computer> make_sim_computer(const std::string& id, const backend_options& options);

} // namespace cua
