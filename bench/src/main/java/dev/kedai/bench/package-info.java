package dev.kedai.bench;
