#!/usr/bin/env bash
# Regenerates docs/cli/ (one AsciiDoc page per command) from the picocli model of the spdz
# command with picocli's own generator (picocli-codegen's ManPageGenerator): the CLI reference
# is never written by hand. Run after changing an option: scripts/cli-docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
version=4.7.6
codegen="$HOME/.m2/repository/info/picocli/picocli-codegen/$version/picocli-codegen-$version.jar"
[ -f "$codegen" ] || mvn -B -q dependency:get -Dartifact=info.picocli:picocli-codegen:$version
[ -f app/target/spdz.jar ] || mvn -B -q package -DskipTests
rm -rf docs/cli && mkdir -p docs/cli
java -cp "app/target/spdz.jar:$codegen" picocli.codegen.docgen.manpage.ManPageGenerator -d docs/cli org.spdz4j.app.Spdz
echo "docs/cli: $(ls docs/cli | wc -l) pages"
