#include <variant>

#include "app/config.hpp"
#include "app/server.hpp"

int main(int argc, char** argv) {
  auto parsed = cua::parse_command_line(argc, argv);
  if (const auto* exit_code = std::get_if<int>(&parsed))
    return *exit_code;
  const auto& cfg = std::get<cua::server_config>(parsed);
  return cfg.role == cua::node_role::host ? cua::run_host(cfg) : cua::run_server(cfg);
}
