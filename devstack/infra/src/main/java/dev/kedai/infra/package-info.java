package dev.kedai.infra;
