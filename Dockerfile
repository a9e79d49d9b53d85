# syntax=docker/dockerfile:1
# Build: the restore layer depends only on the project and build files, so it is cached until they change.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/YarpEgress/YarpEgress.csproj src/YarpEgress/
RUN dotnet restore src/YarpEgress/YarpEgress.csproj
COPY src/ src/
# appsettings/: the base config, which allows nothing (the demo allowlist, demo.json, is not published); the
# image runs with the file mounted at /etc/yarp-egress/egress.json.
COPY appsettings/ appsettings/
COPY k8s/egress.json k8s/egress.json
RUN dotnet publish src/YarpEgress/YarpEgress.csproj -c Release -o /app --no-restore

# Run: the ASP.NET runtime image, as its non-root user; nothing is written to the image at run time, so the root
# filesystem can be read-only. Kubernetes probes /healthz and /readyz on the admin port: no HEALTHCHECK here.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
USER $APP_UID
# TC_CallCountingDelayMs=0: hot methods reach optimized code within seconds of the first traffic. The runtime's default
# waits for 100 ms without new JIT work (1 s on one CPU), which a busy proxy never has: measured on one core, plain-HTTP
# forwarding stayed at 8-10k req/s for 20 s with the default and reached 17-21k req/s within 8 s with 0 (README,
# Performance). It can only be set in the environment, so it is here and in bench/run-matrix.sh.
ENV DOTNET_gcServer=1 \
    DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 \
    DOTNET_TC_CallCountingDelayMs=0 \
    DOTNET_EnableDiagnostics=0
# proxy (HTTP + CONNECT), SNI passthrough, SNI keeping the port, SNI terminate (Istio TCP over TLS), admin
EXPOSE 3128 8443 9443 15443 9901
ENTRYPOINT ["dotnet", "YarpEgress.dll", "--config", "/etc/yarp-egress/egress.json"]
