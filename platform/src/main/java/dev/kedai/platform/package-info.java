package dev.kedai.platform;
