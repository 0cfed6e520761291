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

{{/* Redis URL. */}}
{{- define "kedai.redisUrl" -}}
{{- if eq .Values.redis.mode "in-chart" -}}
{{- printf "redis://%s:6379" (include "kedai.name" (dict "root" . "suffix" "redis")) -}}
{{- else -}}
{{- required "redis.external.url is required when redis.mode is external" .Values.redis.external.url -}}
{{- end -}}
{{- end -}}

{{/* Name of the Secret holding auth's signing key (empty when there is none). */}}
{{- define "kedai.jwtSecret" -}}
{{- if .Values.jwt.existingSecret -}}
{{- .Values.jwt.existingSecret -}}
{{- else if .Values.jwt.privateKeyPem -}}
{{- include "kedai.name" (dict "root" . "suffix" "jwt-keys") -}}
{{- end -}}
{{- end -}}

{{/*
A service's database password: the value given, else the one already in the cluster's Secret
(database.keepGeneratedPasswords; an upgrade must not change it), else a new random one.
*/}}
{{- define "kedai.password" -}}
{{- $given := index .root.Values.database.passwords .service -}}
{{- $existing := dict -}}
{{- if and (not $given) .root.Values.database.keepGeneratedPasswords -}}
{{- $existing = (lookup "v1" "Secret" .root.Release.Namespace .secret).data | default dict -}}
{{- end -}}
{{- if $given -}}
{{- $given -}}
{{- else if hasKey $existing .key -}}
{{- index $existing .key | b64dec -}}
{{- else -}}
{{- randAlphaNum 24 -}}
{{- end -}}
{{- end -}}
