#pragma once
// A CA and a server certificate valid only for a name that is not the loopback address the
// simulator listens on, to prove the client checks the host name (support/test_ca.hpp makes
// certificates valid for 127.0.0.1, ::1 and localhost).
#include "support/test_ca.hpp"

#include <string>

namespace kda::test {

// Writes other-ca.pem, other-server.pem, other-server-key.pem into `dir`; the server
// certificate's only subject alternative name is `dns_name`. Throws std::runtime_error.
TestCertificates make_certificates_for_name(const std::string& dir, const std::string& dns_name);

}  // namespace kda::test
