# Container image of the fourreau server. Built by docker-compose.yml, which also
# runs the PostGIS database.

FROM golang:1.25-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/fourreau ./cmd/fourreau

FROM debian:bookworm-slim
# gdal-bin matches the packages that scripts/install-deps.sh installs for `load`.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates gdal-bin \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --system --home-dir /app --shell /usr/sbin/nologin fourreau
WORKDIR /app
COPY --from=build /out/fourreau /usr/local/bin/fourreau
COPY config/ /app/config/
USER fourreau
EXPOSE 8080
ENTRYPOINT ["fourreau"]
CMD ["serve"]
