#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian 12 machine with the .NET 10 SDK:
# the Fashion-MNIST dataset package (training data for the supernet), jq, python3 (the example workers of
# examples/workers and their tests), and the NuGet packages.
set -euo pipefail
cd "$(dirname "$0")/.."
# jq is used by the evidence scripts only.
if [[ ! -d /usr/share/datasets/fashion-mnist ]] || ! command -v jq >/dev/null || ! command -v python3 >/dev/null; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dataset-fashion-mnist jq python3 >/dev/null
fi
dotnet restore MathNas.sln --nologo -v quiet
