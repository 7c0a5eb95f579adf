// libFuzzer target over the whole input path: bytes -> line framing -> JSON-RPC decoding -> MCP
// dispatch in the bridge -> tool argument checking -> tool calls on sessions and sim computers,
// all on CAF's deterministic scheduler. Every line the server writes must be one JSON value.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "actors/computer_actor.hpp"
#include "actors/pool_actor.hpp"
#include "actors/supervisor_actor.hpp"
#include "computers/action_parsing.hpp"
#include "computers/key_names.hpp"
#include "computers/sim_computer.hpp"
#include "mcp/bridge_actor.hpp"
#include "mcp/jsonrpc.hpp"
#include "messages/atoms.hpp"
#include "messages/outbound_line.hpp"
#include "messages/register_messages.hpp"
#include "tools/tool_registry.hpp"
#include "transport/line_splitter.hpp"

namespace {

struct harness {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  caf::actor bridge;
  std::shared_ptr<std::vector<std::string>> lines = std::make_shared<std::vector<std::string>>();

  harness() {
    spdlog::set_level(spdlog::level::off);
    cfg.set("scheduler.policy", caf::atom("testing"));
    cua::register_messages(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    cua::pool_config pc;
    pc.size = 4;
    pc.warm = 0;
    auto pool = sys->spawn(cua::pool_actor, pc, [](caf::actor_system& s, const std::string& id) {
      cua::backend_options options;
      options.screen_width = 160; // small screens keep each input fast
      options.screen_height = 100;
      return cua::spawn_computer(s, cua::make_sim_computer(id, options), false);
    });
    cua::supervisor_config sc;
    sc.max_sessions = 4;
    sc.session.agent.model = "replay:/nonexistent";
    auto supervisor = sys->spawn(cua::supervisor_actor, sc, pool);
    auto out = lines;
    auto writer = sys->spawn([out](caf::event_based_actor*) -> caf::behavior {
      return {[out](cua::write_atom, const cua::outbound_line& line) { out->push_back(line.text); }};
    });
    cua::tool_services services;
    services.supervisor = supervisor;
    services.default_session_id = "fuzz";
    cua::bridge_config config;
    config.tools = &cua::tool_table();
    bridge = sys->spawn(cua::bridge_actor, writer, services, config);
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static harness& h = *new harness; // never destroyed: the actors stay alive between inputs
  std::vector<std::string> lines;
  cua::line_splitter splitter(
    64 * 1024, [&](std::string line) { lines.push_back(std::move(line)); }, [](size_t) {});
  splitter.feed(reinterpret_cast<const char*>(data), size);
  splitter.finish();
  for (auto& line : lines) {
    // The pure layers directly, then the whole path through the bridge.
    auto value = nlohmann::json::parse(line, nullptr, false);
    if (!value.is_discarded()) {
      cua::jsonrpc::classify(value);
      cua::parse_action(value);
    }
    cua::parse_key_chord(line);
    caf::anon_send(h.bridge, cua::line_atom::value, line);
    h.sched->run();
  }
  // Timers (heartbeats, acquire timeouts) fire too, so that their paths are fuzzed as well.
  h.sched->advance_time(std::chrono::seconds(40));
  h.sched->run();
  for (const auto& out : *h.lines)
    if (nlohmann::json::parse(out, nullptr, false).is_discarded())
      __builtin_trap(); // the server wrote something that is not JSON
  h.lines->clear();
  // Writer, bridge, supervisor and pool, four sessions with their computers, and what is still
  // under way: tens at most. More means actors that never end (seen: at most 10).
  if (h.sys->registry().running() > 64)
    __builtin_trap();
  return 0;
}
