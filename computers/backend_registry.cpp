#include "computers/backend_registry.hpp"

#include "computers/cua_computer.hpp"
#include "computers/sim_computer.hpp"
#include "computers/xvfb_computer.hpp"

namespace cua {

const std::vector<backend_entry>& backends() {
  // One line per backend: adding a kind of computer means one new file and one line here.
  static const std::vector<backend_entry> table{
    {"xvfb", "a private X desktop per computer (Xvfb, window manager, terminal) on this host, "
             "each in a sandbox of its own",
     make_xvfb_computer, {}, check_xvfb_host, xvfb_isolation},
    {"sim", "in-process simulated screen (no X server; for tests, demos and benchmarks)",
     make_sim_computer, {}, {},
     [](const backend_options&) {
       return std::make_pair(std::string("simulated screens in the server's memory; no programs run"),
                             false);
     }},
    {"cua", "Cua computer-servers elsewhere (containers, VMs, cloud sandboxes), one per --cua-url",
     make_cua_computer, cua_computer_ids, {},
     [](const backend_options&) {
       return std::make_pair(std::string("remote computers, isolated by the container or VM each "
                                         "runs in; this server adds nothing"),
                             false);
     }},
  };
  return table;
}

const backend_entry* find_backend(const std::string& name) {
  for (const auto& entry : backends())
    if (entry.name == name)
      return &entry;
  return nullptr;
}

} // namespace cua
