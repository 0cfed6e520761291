{{/* Name of an object of the release: <namePrefix>-<suffix>, e.g. kedai-stock. */}}
{{- define "kedai.name" -}}
{{- printf "%s-%s" .root.Values.namePrefix .suffix | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The recommended labels (app.kubernetes.io/*) of every object; component given by the caller. */}}
{{- define "kedai.labels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: kedai
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* The labels selecting a workload's pods: stable across upgrades (no version). */}}
{{- define "kedai.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Image of a service: <registry>/kedai-<service>:<tag>. */}}
{{- define "kedai.image" -}}
{{- printf "%s/kedai-%s:%s" .root.Values.image.registry .service (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}

{{/* Settings of one service: serviceDefaults merged under its own entry. */}}
{{- define "kedai.serviceSettings" -}}
{{- $own := deepCopy (index .root.Values.services .service) -}}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.serviceDefaults) $own) -}}
{{- end -}}

{{/* Services that call <service> over gRPC (the reverse of the peers lists). */}}
{{- define "kedai.callers" -}}
{{- $callers := list -}}
{{- range $name, $svc := .root.Values.services -}}
{{- if has $.service ($svc.peers | default list) -}}
{{- $callers = append $callers $name -}}
{{- end -}}
{{- end -}}
{{- toJson $callers -}}
{{- end -}}

{{/* JDBC URL of a service's database. */}}
{{- define "kedai.jdbcUrl" -}}
{{- if eq .root.Values.database.mode "in-chart" -}}
{{- printf "jdbc:mysql://%s:3306/kedai_%s" (include "kedai.name" (dict "root" .root "suffix" "mysql")) .service -}}
{{- else -}}
{{- required (printf "database.external.urls.%s is required when database.mode is external" .service) (index .root.Values.database.external.urls .service) -}}
{{- end -}}
{{- end -}}

{{/* Kafka bootstrap servers. */}}
{{- define "kedai.kafkaBootstrap" -}}
{{- $k := .Values.kafka -}}
{{- if eq $k.mode "in-chart" -}}
{{- printf "%s:9092" (include "kedai.name" (dict "root" . "suffix" "kafka")) -}}
{{- else if eq $k.mode "strimzi" -}}
{{- printf "%s-kafka-bootstrap.%s.svc:9092" $k.strimzi.clusterName (default .Release.Namespace $k.strimzi.namespace) -}}
{{- else -}}
{{- required "kafka.external.bootstrapServers is required when kafka.mode is external" $k.external.bootstrapServers -}}
{{- end -}}
{{- end -}}

{{/* Redis as the services and Kong reach it: dict host, port, tls, verify, database. */}}
{{- define "kedai.redis" -}}
{{- $r := .Values.redis -}}
{{- if eq $r.mode "in-chart" -}}
{{- /* Kong resolves it from its own namespace: the name carries the release's namespace */ -}}
{{- toJson (dict "host" (printf "%s.%s.svc" (include "kedai.name" (dict "root" . "suffix" "redis")) .Release.Namespace) "port" 6379 "tls" false "verify" false "database" 0) -}}
{{- else -}}
{{- toJson (dict "host" (required "redis.external.host is required when redis.mode is external" $r.external.host) "port" $r.external.port "tls" $r.external.tls "verify" $r.external.tlsVerify "database" $r.external.database) -}}
{{- end -}}
{{- end -}}

{{/*
Name of the Secret with Redis' password (keys password, and kong-password: the same value as a
JSON string, which is what Kong's configPatches expects); empty for an external Redis without one.
*/}}
{{- define "kedai.redisSecret" -}}
{{- if .Values.redis.password -}}
{{- include "kedai.name" (dict "root" . "suffix" "redis") -}}
{{- else if .Values.redis.existingSecret -}}
{{- .Values.redis.existingSecret -}}
{{- else if eq .Values.redis.mode "in-chart" -}}
{{- fail "the in-chart Redis requires a password: create the Secret named by redis.existingSecret (docs/deploy.md) or set redis.password" -}}
{{- end -}}
{{- end -}}

{{/*
Name of the Secret with the database passwords (keys auth, user, product, stock, cartorder, and
root for the in-chart MariaDB). The chart never makes one up: a render has no cluster to keep it in.
*/}}
{{- define "kedai.dbSecret" -}}
{{- $db := .Values.database -}}
{{- if $db.passwords -}}
{{- range $key := include "kedai.dbPasswordKeys" . | fromJsonArray -}}
{{- if not (index $db.passwords $key) -}}
{{- fail (printf "database.passwords.%s is missing: give every password, or none and create the Secret database.existingSecret names (docs/deploy.md)" $key) -}}
{{- end -}}
{{- end -}}
{{- include "kedai.name" (dict "root" . "suffix" "db-passwords") -}}
{{- else -}}
{{- required "database.existingSecret (a Secret you create, docs/deploy.md) or database.passwords is required: the chart generates no password" $db.existingSecret -}}
{{- end -}}
{{- end -}}

{{/* The keys of the database password Secret. */}}
{{- define "kedai.dbPasswordKeys" -}}
{{- $keys := keys .Values.services | sortAlpha -}}
{{- if eq .Values.database.mode "in-chart" -}}
{{- $keys = append $keys "root" -}}
{{- end -}}
{{- toJson $keys -}}
{{- end -}}

{{/* Name of the Secret holding auth's signing key (private.pem, kid). */}}
{{- define "kedai.jwtSecret" -}}
{{- if .Values.jwt.privateKeyPem -}}
{{- include "kedai.name" (dict "root" . "suffix" "jwt-keys") -}}
{{- else -}}
{{- required "auth needs a signing key shared by its replicas and known to Kong: create the Secret jwt.existingSecret names (private.pem, kid; docs/deploy.md) or set jwt.privateKeyPem and jwt.kid" .Values.jwt.existingSecret -}}
{{- end -}}
{{- end -}}

{{/* The public keys Kong gets as jwt credentials from values: a list of {kid, publicKeyPem}, the signing key first. */}}
{{- define "kedai.jwtPublicKeys" -}}
{{- $keys := list -}}
{{- if .Values.jwt.publicKeyPem -}}
{{- $keys = append $keys (dict "kid" (required "jwt.kid is required with jwt.publicKeyPem: Kong picks the credential by the token's kid" .Values.jwt.kid) "publicKeyPem" .Values.jwt.publicKeyPem) -}}
{{- range .Values.jwt.previousKeys -}}
{{- $keys = append $keys (dict "kid" .kid "publicKeyPem" .publicKeyPem) -}}
{{- end -}}
{{- end -}}
{{- toJson $keys -}}
{{- end -}}

{{/* Name of the Kong jwt credential Secret the chart makes for a kid. */}}
{{- define "kedai.jwtCredentialName" -}}
{{- $kid := regexReplaceAll "[^a-z0-9-]" (lower .kid) "-" | trunc 30 | trimSuffix "-" -}}
{{- printf "%s-jwt-%s-%s" .root.Values.namePrefix $kid (sha256sum .kid | trunc 6) -}}
{{- end -}}

{{/*
The jwt credential Secrets of Kong's consumer: the chart's (from jwt.publicKeyPem and
jwt.previousKeys) or, without a public key value, the ones you created (jwt.kongCredentialSecrets).
Fails when Kong would have no key to verify tokens with.
*/}}
{{- define "kedai.kongCredentials" -}}
{{- $root := . -}}
{{- $names := list -}}
{{- range include "kedai.jwtPublicKeys" . | fromJsonArray -}}
{{- $names = append $names (include "kedai.jwtCredentialName" (dict "root" $root "kid" .kid)) -}}
{{- end -}}
{{- if not $names -}}
{{- $names = .Values.jwt.kongCredentialSecrets | default list -}}
{{- end -}}
{{- if not $names -}}
{{- fail "Kong cannot verify auth's tokens: give the public key (--set-file jwt.publicKeyPem=jwt.pub with jwt.kid), or create Kong's jwt credential Secret and list it in jwt.kongCredentialSecrets (docs/deploy.md)" -}}
{{- end -}}
{{- toJson $names -}}
{{- end -}}

{{/* Env entries of OpenSearch's basic-auth credentials from search.opensearch.existingSecret (product and the index Job). */}}
{{- define "kedai.searchCredentials" -}}
{{- with .Values.search.opensearch.existingSecret }}
- name: PRODUCT_SEARCH_OPENSEARCH_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: username
- name: PRODUCT_SEARCH_OPENSEARCH_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: password
{{- end }}
{{- end -}}
