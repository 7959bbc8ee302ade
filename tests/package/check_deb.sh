#!/bin/sh
# ctest package.deb: builds the .deb with CPack from this build tree, then checks what a user gets:
# the exact file list, the Depends that dpkg-shlibdeps found, the postinst, and that the packaged
# binary (stripped) runs `--version` from the unpacked tree.
#   check_deb.sh BUILD_DIR VERSION
set -eu
build=$1 version=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cpack --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; echo "package.deb: cpack failed"; exit 1; }
deb=$(ls "$work"/out/koodrive-audit_"$version"_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { cat "$work/cpack.log"; echo "package.deb: no koodrive-audit_${version}_*.deb"; exit 1; }

dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $NF }' | sort >"$work/files"
cat >"$work/expected" <<LIST
./etc/koodrive-audit/config.yaml.example
./usr/bin/koodrive-audit
./usr/lib/systemd/system/koodrive-audit.service
./usr/lib/sysusers.d/koodrive-audit.conf
./usr/lib/tmpfiles.d/koodrive-audit.conf
./usr/share/doc/koodrive-audit/README.md
./usr/share/doc/koodrive-audit/configuration.md
./usr/share/doc/koodrive-audit/examples/alerts.yml
./usr/share/doc/koodrive-audit/schema.md
./usr/share/man/man1/koodrive-audit.1
./usr/share/man/man5/koodrive-audit.yaml.5
LIST
sort -o "$work/expected" "$work/expected"
if ! diff -u "$work/expected" "$work/files"; then
  echo "package.deb: the file list differs (- expected, + packaged)"
  exit 1
fi

depends=$(dpkg-deb -f "$deb" Depends)
for needed in systemd libssl3 libsqlite3-0 libsystemd0 libyaml-cpp libspdlog libboost-json; do
  case "$depends" in
    *"$needed"*) ;;
    *) echo "package.deb: Depends lacks $needed: $depends"; exit 1 ;;
  esac
done
[ "$(dpkg-deb -f "$deb" Package)" = koodrive-audit ] || { echo "package.deb: wrong Package"; exit 1; }
dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep -qx './postinst' ||
  { echo "package.deb: no postinst"; exit 1; }

dpkg-deb -x "$deb" "$work/root"
out=$("$work/root/usr/bin/koodrive-audit" --version)
case "$out" in
  *"$version"*) echo "package.deb: $(basename "$deb"), $(wc -l <"$work/files") files, runs: $out" ;;
  *) echo "package.deb: --version printed '$out', expected $version"; exit 1 ;;
esac
