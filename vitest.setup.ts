// tsyringe reads decorator metadata through the Reflect polyfill, which must load before any plugin class.
import "reflect-metadata";
