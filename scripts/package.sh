#!/usr/bin/env bash
# Builds the handler for Linux (amd64, no cgo) and stages a deployable Functions app folder and zip:
#   build/app/host.json, build/app/handler, build/app/<function>/function.json
#   build/dtbase-functions.zip   (the handler keeps its exec bit)
# `func start` run inside build/app serves the API.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf build/app build/dtbase-functions.zip
mkdir -p build/app
CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -ldflags='-s -w' -o build/app/handler .
chmod 755 build/app/handler
cp host.json build/app/
for dir in functions/*/; do
  name=$(basename "$dir")
  mkdir -p "build/app/$name"
  cp "$dir/function.json" "build/app/$name/"
done
[ -f local.settings.json ] && cp local.settings.json build/app/
(cd build/app && zip -q -X -r ../dtbase-functions.zip . -x local.settings.json)
echo "staged build/app and build/dtbase-functions.zip"
