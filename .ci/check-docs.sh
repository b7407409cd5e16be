#!/usr/bin/env bash
# Compiles every complete C# example of README.md and docs/*.md against the packed BilateralNeuro package, so the
# documentation cannot drift from the API. An example is checked when the line before its ```csharp fence is
#   <!-- ci:compile -->
# Each example is one Program.cs (top-level statements first, then any types) of its own consumer project that
# references the package by PackageReference only, exactly as a user's project does. Examples are compiled, not run.
# Usage: .ci/check-docs.sh [FILE.md ...]   (default: README.md docs/*.md)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(README.md docs/*.md)
version="0.1.0-docs.$(date +%s)"
feed=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$feed" "$work"' EXIT

# Extract the marked examples: work/NNN/Program.cs plus work/NNN/origin.txt (file:line).
n=0
for md in "${files[@]}"; do
  n=$(awk -v out="$work" -v md="$md" -v start="$n" '
    BEGIN { k = start; marked = 0; inside = 0 }
    inside && /^```/ { inside = 0; close(file); next }
    inside { print > file; next }
    /^<!-- ci:compile -->[[:space:]]*$/ { marked = 1; next }
    marked && /^```csharp[[:space:]]*$/ {
      k++; dir = sprintf("%s/%03d", out, k); system("mkdir -p " dir)
      file = dir "/Program.cs"; printf "%s:%d\n", md, NR > (dir "/origin.txt"); close(dir "/origin.txt")
      inside = 1; marked = 0; next }
    { marked = 0 }
    END { print k }' "$md")
done
[ "$n" -gt 0 ] || { echo "check-docs: no <!-- ci:compile --> examples found in ${files[*]}" >&2; exit 2; }
echo "check-docs: $n marked C# examples"

dotnet pack "$root/src/BilateralNeuro" -c Release -o "$feed" -p:Version="$version" --nologo -v q >/dev/null
cat > "$work/nuget.config" <<CFG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="docs-local-feed" value="$feed" />
  </packageSources>
</configuration>
CFG
failed=0
for dir in "$work"/[0-9][0-9][0-9]; do
  origin=$(cat "$dir/origin.txt")
  cat > "$dir/Example.csproj" <<PROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <WarningsNotAsErrors>NU1603</WarningsNotAsErrors>
    <NoWarn>\$(NoWarn);CS0219;CS0168;CS8321</NoWarn>
    <BilateralNeuroPatchLibTorchSharp>false</BilateralNeuroPatchLibTorchSharp>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="BilateralNeuro" Version="$version" />
    <PackageReference Include="libtorch-cpu-linux-x64" Version="2.10.0" />
  </ItemGroup>
</Project>
PROJ
  if (cd "$dir" && dotnet build -c Release --nologo -v q > build.log 2>&1); then
    echo "  ok      $origin"
  else
    echo "  FAILED  $origin"
    grep -E "error [A-Z]+[0-9]+" "$dir/build.log" | sed -E 's#^.*/Program.cs#    Program.cs#; s# \[.*\]$##' | sort -u | head -20
    failed=$((failed + 1))
  fi
done
[ "$failed" -eq 0 ] || { echo "check-docs: $failed of $n examples do not compile" >&2; exit 1; }
echo "check-docs: all $n examples compile against BilateralNeuro $version"
