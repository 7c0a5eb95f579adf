#include "computers/backend_registry.hpp"

#include "computers/cua_computer.hpp"
#include "computers/sim_computer.hpp"
#include "computers/xvfb_computer.hpp"

namespace cua {

const std::vector<backend_entry>& backends() {
  // One line per backend: adding a kind of computer means one new file and one line here.
  static const std::vector<backend_entry> table{
    {"xvfb", "a private X desktop per computer (Xvfb, window manager, terminal) on this host",
     make_xvfb_computer, {}},
    {"sim", "in-process simulated screen (no X server; for tests, demos and benchmarks)",
     make_sim_computer, {}},
    {"cua", "Cua computer-servers elsewhere (containers, VMs, cloud sandboxes), one per --cua-url",
     make_cua_computer, cua_computer_ids},
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
