package dev.kedai.devstack;
