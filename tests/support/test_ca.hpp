#pragma once
// A throwaway certificate authority for TLS tests: tests trust it explicitly (never
// verify_none). make_test_certificates() writes, into `dir`, a CA certificate and a server
// certificate + key signed by it, valid for IP 127.0.0.1, IP ::1 and DNS localhost, for a day.
// Keys are P-256. Throws std::runtime_error naming the step that failed.
#include <string>

namespace kda::test {

struct TestCertificates {
  std::string ca_file;    // PEM: trust this
  std::string cert_file;  // PEM: the server's certificate
  std::string key_file;   // PEM: the server's private key (unencrypted)
};

// `subject_alt_names` (OpenSSL syntax) replaces the loopback names, e.g. "DNS:other.invalid" to
// prove a host-name check; `file_prefix` keeps several sets apart in one folder.
TestCertificates make_test_certificates(
    const std::string& dir,
    const std::string& subject_alt_names = "IP:127.0.0.1,IP:::1,DNS:localhost",
    const std::string& file_prefix = "");

}  // namespace kda::test
