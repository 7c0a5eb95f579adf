#include "agent/curl_library.hpp"

#include <mutex>
#include <string>

#include <dlfcn.h>

#include "messages/errors.hpp"

namespace cua {

namespace {

template <class F>
bool bind(void* library, const char* name, F& slot, std::string& missing) {
  slot = reinterpret_cast<F>(dlsym(library, name));
  if (slot == nullptr)
    missing = name;
  return slot != nullptr;
}

} // namespace

caf::expected<const curl_library*> load_curl() {
  static curl_library api{};
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [] {
    void* library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
      const char* why = dlerror();
      failure = std::string{"libcurl (libcurl.so.4) cannot be loaded: "} + (why ? why : "unknown");
      return;
    }
    std::string missing;
    bool ok = bind(library, "curl_global_init", api.global_init, missing)
              && bind(library, "curl_easy_init", api.easy_init, missing)
              && bind(library, "curl_easy_setopt", api.easy_setopt, missing)
              && bind(library, "curl_easy_perform", api.easy_perform, missing)
              && bind(library, "curl_easy_getinfo", api.easy_getinfo, missing)
              && bind(library, "curl_easy_cleanup", api.easy_cleanup, missing)
              && bind(library, "curl_easy_strerror", api.easy_strerror, missing)
              && bind(library, "curl_slist_append", api.slist_append, missing)
              && bind(library, "curl_slist_free_all", api.slist_free_all, missing);
    if (!ok) {
      failure = "libcurl.so.4 lacks " + missing;
      return;
    }
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      failure = "libcurl could not initialise";
  });
  if (!failure.empty())
    return make_error(errc::model_failed, failure);
  return &api;
}

} // namespace cua
