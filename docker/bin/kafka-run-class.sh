#!/bin/sh
# kafka-run-class.sh <main-class> [args]: runs a class of the stock Apache Kafka tools in /opt/kafka/libs (from Maven
# Central, see docker/tools/pom.xml), with the variables of Kafka's own script; logging: warnings on stderr, or
# KAFKA_TOOLS_LOG4J_LOGLEVEL.
level=$(echo "${KAFKA_TOOLS_LOG4J_LOGLEVEL:-warn}" | tr 'A-Z' 'a-z')
# word splitting of the *_OPTS variables is intended, as in Kafka's scripts
# shellcheck disable=SC2086
exec java ${KAFKA_HEAP_OPTS:--Xmx256M} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1} \
  -Dorg.slf4j.simpleLogger.defaultLogLevel="$level" ${KAFKA_OPTS:-} -cp "/opt/kafka/libs/*" "$@"
