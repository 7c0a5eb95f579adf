#pragma once

#include "app/config.hpp"

namespace cua {

/// Runs the MCP server on stdin/stdout until the input ends or SIGINT/SIGTERM arrives, then cancels
/// every task, gives back and destroys every computer, and returns the exit code (0) within 5 s.
int run_server(const server_config& cfg);

/// Runs a computer host (--role host): the backend's pool, behind a host actor published with
/// CAF's middleman on --node-listen for fronts on other machines, until SIGINT/SIGTERM. Speaks no
/// MCP.
int run_host(const server_config& cfg);

} // namespace cua
