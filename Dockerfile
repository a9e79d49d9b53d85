# syntax=docker/dockerfile:1
# Build: the restore layer depends only on the project and build files, so it is cached until they change.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/YarpEgress/YarpEgress.csproj src/YarpEgress/
RUN dotnet restore src/YarpEgress/YarpEgress.csproj
COPY src/ src/
COPY appsettings/ appsettings/
COPY k8s/egress.json k8s/egress.json
RUN dotnet publish src/YarpEgress/YarpEgress.csproj -c Release -o /app --no-restore

# Run: the ASP.NET runtime image, as its non-root user; nothing is written to the image at run time, so the root
# filesystem can be read-only. Kubernetes probes /healthz and /readyz on the admin port: no HEALTHCHECK here.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
USER $APP_UID
ENV DOTNET_gcServer=1 \
    DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 \
    DOTNET_EnableDiagnostics=0
# proxy (HTTP + CONNECT), SNI passthrough, SNI keeping the port, SNI terminate (Istio TCP over TLS), admin
EXPOSE 3128 8443 9443 15443 9901
ENTRYPOINT ["dotnet", "YarpEgress.dll", "--config", "/etc/yarp-egress/egress.json"]
