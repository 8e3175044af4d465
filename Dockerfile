# OneMcp gateway image: build with the .NET SDK, run on the ASP.NET Core runtime as a non-root user.
#   docker build -t onemcp .
#   docker run -p 3050:3050 -v "$PWD/mcp.json:/config/mcp.json:ro" -e ONEMCP_ADMIN_USERNAME=admin -e ONEMCP_ADMIN_PASSWORD=... \
#     onemcp serve --enable-auth --external-url http://onemcp.localhost:3050
#   The image binds every interface (ONEMCP_HOST=0.0.0.0). The gateway answers only requests for its external URL's host
#   name, and a loopback name (localhost) only from inside the container, so --external-url names the host clients use.
# deploy/compose.yaml runs three replicas of it behind HAProxy on one PostgreSQL database.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files only, so the layer is reused until a dependency changes.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Domain/Domain.csproj src/Domain/
COPY src/Application/Application.csproj src/Application/
COPY src/Infrastructure/Infrastructure.csproj src/Infrastructure/
COPY src/Api/Api.csproj src/Api/
RUN dotnet restore src/Api/Api.csproj
COPY src/ src/
RUN dotnet publish src/Api/Api.csproj -c Release --no-restore -o /app /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl for the health check (the runtime image has none).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
COPY deploy/entrypoint.sh /usr/local/bin/onemcp-entrypoint
# The image's non-root "app" user (uid 1654); the SQLite data directory, when no PostgreSQL is used, is its own.
RUN chmod 0755 /usr/local/bin/onemcp-entrypoint && mkdir -p /data && chown app:app /data
USER app
ENV ONEMCP_HOST=0.0.0.0 \
    ONEMCP_PORT=3050 \
    ONEMCP_DATA_DIR=/data \
    ONEMCP_CONFIG=/config/mcp.json \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
EXPOSE 3050
# Liveness only: readiness (/health/ready, 503 while PostgreSQL is unreachable) is the load balancer's business, and
# an orchestrator must not restart a replica that merely waits for its database.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${ONEMCP_PORT}/health/live" >/dev/null || exit 1
ENTRYPOINT ["onemcp-entrypoint"]
CMD ["serve"]
