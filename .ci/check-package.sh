#!/usr/bin/env bash
# Packs the library and builds + runs a separate consumer project that references it from a local folder feed,
# proving the package (fluent API, embedded data, automatic libstdc++ fix) works outside this repository.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version="0.1.0-ci.$(date +%s)"
feed=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$feed" "$work"' EXIT
dotnet pack "$root/src/BilateralNeuro" -c Release -o "$feed" -p:Version="$version" --nologo -v q
ls "$feed"
cp "$root/.ci/consumer/Consumer.csproj" "$root/.ci/consumer/Program.cs" "$root/.ci/consumer/Cifar.cs" "$work/"
# the tests' CIFAR-100 file writer (test-only; the library only reads) and the numpy-written pickles
cp "$root/tests/BilateralNeuro.Tests/Data/Cifar100PickleFixture.cs" "$work/"
cp -r "$root/tests/BilateralNeuro.Tests/Data/Corpus/cifar-python" "$work/cifar-python"
cat > "$work/nuget.config" <<CFG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="ci-local-feed" value="$feed" />
  </packageSources>
</configuration>
CFG
cd "$work"
dotnet build -c Release -p:BilateralNeuroVersion="$version" --nologo -v n > build.log 2>&1 || { tail -40 build.log; echo "consumer build failed" >&2; exit 1; }
grep -E "BilateralNeuro: .*libLibTorchSharp" build.log | sed 's/^ *//' | sort -u || true
dotnet bin/Release/net10.0/Consumer.dll "$work/cifar-python"
echo "package consumer check passed ($version)"
