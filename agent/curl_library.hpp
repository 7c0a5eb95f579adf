#pragma once

#include <caf/expected.hpp>
#include <curl/curl.h>

namespace cua {

/// The few libcurl calls the model client makes, loaded on first use (dlopen of libcurl.so.4)
/// rather than at every start: libcurl's dependency tree (TLS, LDAP, Kerberos, SSH, IDN, ...) took
/// ~7 ms of each start, a third of the 20 ms initialize budget, for servers that often never call
/// a model (replay, sampling, the computer tool).
struct curl_library {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  CURLcode (*easy_setopt)(CURL* handle, CURLoption option, ...);
  CURLcode (*easy_perform)(CURL* handle);
  CURLcode (*easy_getinfo)(CURL* handle, CURLINFO info, ...);
  void (*easy_cleanup)(CURL* handle);
  const char* (*easy_strerror)(CURLcode code);
  curl_slist* (*slist_append)(curl_slist* list, const char* text);
  void (*slist_free_all)(curl_slist* list);
};

/// Returns libcurl, loaded and initialised once; or why it cannot be loaded.
caf::expected<const curl_library*> load_curl();

} // namespace cua
