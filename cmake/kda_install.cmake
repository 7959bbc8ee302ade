# cmake --install and CPack: what an installed koodrive-audit consists of, where it goes, and the
# .deb built from it (scripts/package). Paths follow Debian: the binary in /usr/bin, the unit and
# the sysusers/tmpfiles snippets under /usr/lib, the example config in /etc/koodrive-audit.
include(GNUInstallDirs)

install(TARGETS koodrive-audit RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES systemd/koodrive-audit.service DESTINATION lib/systemd/system)
install(FILES systemd/koodrive-audit.sysusers DESTINATION lib/sysusers.d
        RENAME koodrive-audit.conf)
install(FILES systemd/koodrive-audit.tmpfiles DESTINATION lib/tmpfiles.d
        RENAME koodrive-audit.conf)
# An example, not the config itself: the daemon must not start with placeholder credentials.
install(FILES config/koodrive-audit.yaml DESTINATION /etc/koodrive-audit
        RENAME config.yaml.example)
install(FILES man/koodrive-audit.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES man/koodrive-audit.yaml.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES README.md docs/configuration.md docs/schema.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Prometheus alerting rules for the daemon's own health, to copy into rule_files.
install(FILES config/alerts.yml DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME koodrive-audit)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "koodrive-audit maintainers <koodrive-audit@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "audits KooDrive backup configuration and alerts on every change")
set(CPACK_PACKAGE_DESCRIPTION
    "A daemon that polls the KooDrive Open API for the devices bound to each user and their\n"
    "backup scopes, records every change in an SQLite history with a hash chain, and sends\n"
    "events to logs, JSON Lines, signed webhooks and Alertmanager.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
# dpkg-shlibdeps turns the binary's shared libraries into Depends (libssl3, libsqlite3-0, …);
# systemd provides systemd-sysusers and systemd-tmpfiles for the postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/packaging/postinst)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
